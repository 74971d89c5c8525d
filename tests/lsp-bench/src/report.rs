//! Results of one server on one file size, and the markdown / JSON reports.

use std::fmt::Write as _;

use serde_json::{Value, json};

#[derive(Debug, Default)]
pub(crate) struct RunResult {
    pub(crate) name: String,
    pub(crate) functions: usize,
    pub(crate) lines: usize,
    pub(crate) server_info: String,
    /// Process spawn → `initialize` response.
    pub(crate) startup_ms: Option<f64>,
    /// `didOpen` → first publishDiagnostics for the file.
    pub(crate) open_ms: Option<f64>,
    pub(crate) open_diagnostics: usize,
    /// The first few diagnostics on open, `line: message`.
    pub(crate) open_diagnostic_samples: Vec<String>,
    /// `didChange` (full text) → diagnostics for that version, per edit.
    pub(crate) edit: Vec<f64>,
    pub(crate) hover: Vec<f64>,
    pub(crate) hover_chars: usize,
    pub(crate) completion: Vec<f64>,
    pub(crate) completion_items: usize,
    pub(crate) completion_offers_cpu: bool,
    /// Messages of the diagnostics on the `memorySize: "abc"` line (None: not reached).
    pub(crate) schema_check: Option<Vec<String>>,
    pub(crate) peak_rss_kib: Option<u64>,
    /// A fixed delay the server adds before publishing (yaml-language-server: 200 ms).
    pub(crate) fixed_delay_ms: Option<f64>,
    pub(crate) server_requests: Vec<String>,
    pub(crate) errors: Vec<String>,
}

/// Nearest-rank percentile of unsorted samples.
pub(crate) fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * s.len() as f64).ceil() as usize;
    Some(s[rank.clamp(1, s.len()) - 1])
}

fn fmt_ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

fn opt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{} ms", fmt_ms(v)))
}

fn p50_p95(s: &[f64]) -> String {
    match (percentile(s, 50.0), percentile(s, 95.0)) {
        (Some(a), Some(b)) => format!("{} / {} ms", fmt_ms(a), fmt_ms(b)),
        _ => "–".into(),
    }
}

/// `p50 / p95 ms (first: X)`: the first sample is the first request after an edit, which may pay
/// for work done lazily per document version.
fn with_first(s: &[f64]) -> String {
    match s.first() {
        Some(f) => format!("{} (first {})", p50_p95(s), fmt_ms(*f)),
        None => "–".into(),
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "–".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0))
}

impl RunResult {
    pub(crate) fn new(name: &str, functions: usize, lines: usize) -> RunResult {
        RunResult {
            name: name.to_string(),
            functions,
            lines,
            ..RunResult::default()
        }
    }

    fn edit_without_delay(&self) -> Option<Vec<f64>> {
        self.fixed_delay_ms
            .map(|d| self.edit.iter().map(|v| v - d).collect())
    }

    fn schema_cell(&self) -> String {
        match &self.schema_check {
            None => "–".into(),
            Some(m) if m.is_empty() => "**not reported**".into(),
            Some(m) => format!("yes: {}", m[0].replace('|', "\\|").replace('\n', " ")),
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        let stats = |s: &[f64]| {
            json!({
                "samples": s.len(),
                "p50_ms": percentile(s, 50.0),
                "p95_ms": percentile(s, 95.0),
                "first_ms": s.first(),
                "min_ms": s.iter().copied().reduce(f64::min),
                "max_ms": s.iter().copied().reduce(f64::max),
                "all_ms": s,
            })
        };
        json!({
            "name": self.name,
            "server_info": self.server_info,
            "functions": self.functions,
            "lines": self.lines,
            "startup_ms": self.startup_ms,
            "open_to_diagnostics_ms": self.open_ms,
            "open_diagnostics": self.open_diagnostics,
            "open_diagnostic_samples": self.open_diagnostic_samples,
            "edit_to_diagnostics": stats(&self.edit),
            "edit_to_diagnostics_without_fixed_delay": self.edit_without_delay().map(|s| stats(&s)),
            "fixed_delay_ms": self.fixed_delay_ms,
            "hover": stats(&self.hover),
            "hover_chars": self.hover_chars,
            "completion": stats(&self.completion),
            "completion_items": self.completion_items,
            "completion_offers_cpu": self.completion_offers_cpu,
            "schema_error_on_wrong_memory_size": self.schema_check,
            "peak_rss_kib": self.peak_rss_kib,
            "server_requests": self.server_requests,
            "errors": self.errors,
        })
    }
}

pub(crate) fn one_line(r: &RunResult) -> String {
    format!(
        "start {}, open→diag {}, edit {}, hover {}, completion {} ({} items), RSS {}, schema check: {}",
        opt_ms(r.startup_ms),
        opt_ms(r.open_ms),
        p50_p95(&r.edit),
        p50_p95(&r.hover),
        p50_p95(&r.completion),
        r.completion_items,
        mib(r.peak_rss_kib),
        r.schema_cell()
    )
}

pub(crate) fn markdown(results: &[RunResult], iterations: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| server | functions (lines) | start-up | open→diag | edit→diag p50 / p95 | hover p50 / p95 (first) | completion p50 / p95 (first) (items) | peak RSS | diagnostics on open | schema error on `memorySize: \"abc\"` |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|");
    for r in results {
        let mut edit = p50_p95(&r.edit);
        let mut open = opt_ms(r.open_ms);
        if let (Some(d), Some(w)) = (r.fixed_delay_ms, r.edit_without_delay()) {
            edit = format!("{edit} ({} without its {d:.0} ms delay)", p50_p95(&w));
            if let Some(o) = r.open_ms {
                open = format!("{open} ({} ms without)", fmt_ms(o - d));
            }
        }
        let _ = writeln!(
            s,
            "| {} | {} ({}) | {} | {} | {} | {} | {} ({}) | {} | {} | {} |",
            r.name,
            thousands(r.functions),
            thousands(r.lines),
            opt_ms(r.startup_ms),
            open,
            edit,
            with_first(&r.hover),
            with_first(&r.completion),
            r.completion_items,
            mib(r.peak_rss_kib),
            r.open_diagnostics,
            r.schema_cell()
        );
    }
    let _ = writeln!(
        s,
        "\nUp to {iterations} samples per edit / hover / completion (fewer when a phase exceeds its time budget); hover and completion repeat on one document version, and \"first\" is the first request after an edit. Peak RSS is VmHWM of the server process and its children."
    );
    let errors: Vec<_> = results
        .iter()
        .flat_map(|r| r.errors.iter().map(move |e| (r, e)))
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(s, "\nErrors:\n");
        for (r, e) in errors {
            let first = e.lines().next().unwrap_or_default();
            let _ = writeln!(s, "- {} at {} functions: {first}", r.name, r.functions);
        }
    }
    goals(results, &mut s);
    s
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The goals for sdls, when a result is named `sdls`.
fn goals(results: &[RunResult], s: &mut String) {
    let sdls: Vec<&RunResult> = results.iter().filter(|r| r.name == "sdls").collect();
    if sdls.is_empty() {
        return;
    }
    let mut rows = Vec::new();
    let mut row = |goal: String, measured: String, met: Option<bool>| {
        let met = match met {
            Some(true) => "met",
            Some(false) => "**not met**",
            None => "–",
        };
        rows.push(format!("| {goal} | {measured} | {met} |"));
    };
    for r in &sdls {
        let n = r.functions;
        let p50 = |v: &[f64]| percentile(v, 50.0);
        if let Some(limit) = match n {
            1000 => Some(5.0),
            5000 => Some(30.0),
            _ => None,
        } {
            let v = p50(&r.edit);
            row(
                format!(
                    "edit→diagnostics p50 ≤ {limit} ms at {} functions",
                    thousands(n)
                ),
                opt_ms(v),
                v.map(|v| v <= limit),
            );
        }
        if n == 5000 {
            for (what, v) in [("hover", &r.hover), ("completion", &r.completion)] {
                let v = p50(v);
                row(
                    format!("{what} p50 ≤ 2 ms at 5,000 functions"),
                    opt_ms(v),
                    v.map(|v| v <= 2.0),
                );
            }
        }
        row(
            format!("start-up ≤ 20 ms ({} functions run)", thousands(n)),
            opt_ms(r.startup_ms),
            r.startup_ms.map(|v| v <= 20.0),
        );
        if let Some(other) = results.iter().find(|o| {
            o.functions == n
                && o.server_info.starts_with("yaml-language-server")
                && o.peak_rss_kib.is_some()
        }) && let (Some(a), Some(b)) = (r.peak_rss_kib, other.peak_rss_kib)
        {
            row(
                format!(
                    "peak RSS ≤ 1/4 of {}'s at {} functions",
                    other.name,
                    thousands(n)
                ),
                format!(
                    "{} vs {} (1/{:.1})",
                    mib(Some(a)),
                    mib(Some(b)),
                    b as f64 / a as f64
                ),
                Some(a * 4 <= b),
            );
        }
    }
    let _ = writeln!(s, "\n| goal (sdls) | measured | |\n|---|---|---|");
    for r in rows {
        let _ = writeln!(s, "{r}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 95.0), Some(95.0));
        assert_eq!(percentile(&[3.0], 95.0), Some(3.0));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(thousands(5000), "5,000");
        assert_eq!(thousands(105_006), "105,006");
    }
}
