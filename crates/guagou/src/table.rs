//! Plain-text tables that line up with Chinese text in a terminal (CJK characters take two
//! columns).

/// Display width of a string in terminal columns.
pub fn width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let code = c as u32;
    let wide = matches!(code,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

/// Renders rows under headers, padding each column to its widest cell. The last column is
/// not padded, so long messages wrap naturally.
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let columns = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns.saturating_sub(1)) {
            widths[i] = widths[i].max(width(cell));
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < cells.len() {
                out.push_str(&" ".repeat(widths[i].saturating_sub(width(cell)) + 2));
            }
        }
        out.push('\n');
    };
    line(headers.to_vec());
    line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    );
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_counts_double() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("拆旧"), 4);
        assert_eq!(width("二(一)"), 6);
    }

    #[test]
    fn columns_line_up() {
        let text = render(
            &["规则", "x"],
            &[
                vec!["拆旧区".into(), "1".into()],
                vec!["ab".into(), "2".into()],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            width(lines[2].split("1").next().unwrap_or_default()),
            width(lines[3].split("2").next().unwrap_or_default())
        );
    }
}
