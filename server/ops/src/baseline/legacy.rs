//! The legacy fc component's state files (serverless-devs.md §2.2.1): FC 2.0-shaped
//! `{"statefulConfig": {…}}` read back after a legacy `s deploy`, mapped to FC 3.0's view of
//! `service$function` so they can serve as a baseline. Read only (D11).
