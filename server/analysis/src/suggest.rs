//! "Did you mean": ranked by Jaro–Winkler similarity, kept when close enough (≥ 0.85) or within
//! two edits (transpositions count one), ties broken by the candidates' order.

pub fn ranked<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let lower = word.to_lowercase();
    let mut scored: Vec<(f64, usize, &str)> = candidates
        .enumerate()
        .filter(|(_, c)| *c != word)
        .filter_map(|(i, c)| {
            let cl = c.to_lowercase();
            let jw = strsim::jaro_winkler(&lower, &cl);
            let dl = strsim::damerau_levenshtein(&lower, &cl);
            let close = jw >= 0.85 || (dl <= 2 && word.chars().count() > 3) || (lower == cl);
            close.then_some((jw, i, c))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    // Candidate lists gathered from several schema branches repeat names: offer each once.
    let mut out: Vec<&str> = Vec::with_capacity(scored.len());
    for (_, _, c) in scored {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

pub fn best<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    ranked(word, candidates).into_iter().next()
}

#[cfg(test)]
mod tests {
    #[test]
    fn typos_are_found_and_strangers_are_not() {
        let keys = ["memorySize", "timeout", "runtime", "handler", "cpu"];
        assert_eq!(
            super::best("memorySzie", keys.iter().copied()),
            Some("memorySize")
        );
        assert_eq!(super::best("timout", keys.iter().copied()), Some("timeout"));
        assert_eq!(super::best("zzz", keys.iter().copied()), None);
        assert_eq!(
            super::best("Runtime", keys.iter().copied()),
            Some("runtime")
        );
    }
}
