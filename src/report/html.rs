//! HTML building blocks: escaping, `data:` URIs, tables, and the page
//! around the sections (inline style and the slider script; nothing is
//! fetched from anywhere).

use std::fmt::Write as _;

/// `text` with `& < > " '` escaped, safe in element text and in quoted
/// attribute values.
pub fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

/// A relative path as a URL: every byte outside the unreserved set and
/// `/` percent-encoded (so `#`, `?`, `%`, spaces and quotes in a name stay
/// part of the path).
pub fn url_path(path: &str) -> String {
    let mut s = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            let _ = write!(s, "%{b:02X}");
        }
    }
    s
}

/// Standard base64 (RFC 4648, with padding).
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                s.push(ABC[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// An `<img>` showing PNG `bytes` inline, with alternative text `alt`;
/// `attrs` is added as is (trusted markup, e.g. ` hidden`).
pub fn png_img(bytes: &[u8], alt: &str, attrs: &str) -> String {
    format!("<img src=\"data:image/png;base64,{}\" alt=\"{}\"{attrs}>", base64(bytes), escape(alt))
}

/// A table of text cells (escaped); cells of columns after the first are
/// right-aligned when `numeric`.
pub fn table(head: &[&str], rows: &[Vec<String>], numeric: bool) -> String {
    let mut s = String::from("<table>\n<thead><tr>");
    for h in head {
        let _ = write!(s, "<th>{}</th>", escape(h));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        s.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let class = if numeric && i > 0 { " class=\"n\"" } else { "" };
            let _ = write!(s, "<td{class}>{}</td>", escape(c));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n");
    s
}

/// Two-column table of (key, value) pairs.
pub fn pairs(rows: &[(String, String)]) -> String {
    let rows: Vec<Vec<String>> = rows.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
    table(&["", "value"], &rows, false)
}

const STYLE: &str = "\
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;margin:0;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:1.5em 2em 4em;background:#fff}
h1{font-size:1.6em;margin:.2em 0 .6em}h2{font-size:1.25em;margin:1.8em 0 .5em;border-bottom:1px solid #ddd}
h3{font-size:1.05em;margin:1.2em 0 .4em}
nav a{margin-right:1em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.92em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f1f1f1}td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f6f6f6;border:1px solid #ddd;padding:.8em;overflow:auto;max-height:30em;font-size:.85em}
img{max-width:100%;height:auto;display:block;margin:.3em 0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1em}.grid figure{margin:0}
figcaption{font-size:.9em;color:#555}
.series label{display:flex;align-items:center;gap:.8em}.series input{flex:1;max-width:40em}
.muted{color:#666}[hidden]{display:none}";

/// Shows the frame of each slice series that its slider selects, and the
/// frame's time beside the slider.
const SCRIPT: &str = "\
document.querySelectorAll('.series').forEach(function (s) {
  var range = s.querySelector('input'), frames = s.querySelectorAll('img'), time = s.querySelector('output');
  function show() {
    var k = Number(range.value);
    frames.forEach(function (f, i) { f.hidden = i !== k; });
    time.textContent = frames[k].dataset.time;
  }
  range.addEventListener('input', show);
  show();
});";

/// The whole page: `title` (escaped), then `body` (trusted markup).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n<main>\n{body}</main>\n\
         <script>\n{SCRIPT}\n</script>\n</body>\n</html>\n",
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::{base64, escape, table, url_path};

    #[test]
    fn base64_matches_rfc_4648() {
        let cases =
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE=")];
        for (plain, coded) in cases {
            assert_eq!(base64(plain.as_bytes()), coded, "{plain}");
        }
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn markup_in_names_is_escaped() {
        assert_eq!(escape("<b>\"a\" & 'b'</b>"), "&lt;b&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/b&gt;");
        let t = table(&["<arm>"], &[vec!["<script>x</script>".into()]], true);
        assert!(!t.contains("<script>") && !t.contains("<arm>") && t.contains("&lt;script&gt;"), "{t}");
        assert_eq!(url_path("a b#1/report.html"), "a%20b%231/report.html");
        assert_eq!(url_path("\"x\"<y>"), "%22x%22%3Cy%3E");
    }
}
