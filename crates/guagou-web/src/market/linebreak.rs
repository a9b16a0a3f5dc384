//! Line breaking for the PDF documents: Chinese text breaks between any two characters, except
//! where the 禁则 of Chinese typesetting forbid it; English words and numbers break only at
//! spaces.
//!
//! The rules (W3C "Requirements for Chinese Text Layout" (clreq) §3.1.7 行首行尾禁则, as GB/T
//! 15834 punctuation is set in print):
//! - no line starts with a closing or pausing mark (。，、；：？！）》」』】％ …): the mark
//!   takes the character before it down to the next line;
//! - no line ends with an opening mark (（《「『【 …): it goes down with what follows it;
//! - a run of letters, digits and their ASCII punctuation ("Agreement:", "500,000.00",
//!   "(TRANSFER_PRICE_FLOOR,") is one word, broken only at spaces. Only a word (with the marks
//!   held to it) longer than a whole line is cut, character by character; even then a closing
//!   mark is not put at the start of a line but left hanging past the margin.
//!
//! Pure: the caller measures characters (`width`), so the rules are tested without a font.

/// Marks that may not start a line (closing brackets and quotes, pauses and stops, %, ‰, ℃,
/// the interpunct and the ellipsis and dash, which are not split from what they follow).
const NO_LINE_START: &str = "。，、；：？！）》」』】〕〗〙〛〉’”％‰℃°·…—～｝］．｠〞!%),.:;?]}";

/// Marks that may not end a line (opening brackets and quotes, currency signs).
const NO_LINE_END: &str = "（《「『【〔〖〘〚〈‘“［｛｟〝([{¥￥$＄£";

fn no_line_start(c: char) -> bool {
    NO_LINE_START.contains(c)
}

fn no_line_end(c: char) -> bool {
    NO_LINE_END.contains(c)
}

/// Characters set one by one, with a break allowed on either side: CJK ideographs, kana,
/// Hangul, CJK symbols and punctuation, full-width forms.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF // radicals, Kangxi, description characters
        | 0x3000..=0x303F // CJK symbols and punctuation
        | 0x3040..=0x31FF // kana, bopomofo, Hangul jamo, CJK strokes
        | 0x3200..=0x9FFF // enclosed, compatibility, extension A, unified ideographs
        | 0xAC00..=0xD7AF // Hangul syllables
        | 0xF900..=0xFAFF // compatibility ideographs
        | 0xFE30..=0xFE4F // compatibility forms
        | 0xFF00..=0xFFEF // half- and full-width forms
        | 0x20000..=0x3FFFF // supplementary ideographs
    )
}

/// An unbreakable piece of a line and the spaces before it.
#[derive(Debug)]
struct Atom {
    space: String,
    text: String,
}

/// Cuts `text` into atoms: each CJK character, each run of other non-space characters; then
/// holds closing marks to the atom before them and opening marks to the atom after them.
fn atoms(text: &str) -> Vec<Atom> {
    let mut pieces: Vec<Atom> = Vec::new();
    let mut space = String::new();
    let mut word = String::new();
    fn flush(word: &mut String, space: &mut String, pieces: &mut Vec<Atom>) {
        if !word.is_empty() {
            pieces.push(Atom {
                space: std::mem::take(space),
                text: std::mem::take(word),
            });
        }
    }
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut space, &mut pieces);
            space.push(c);
        } else if is_cjk(c) {
            flush(&mut word, &mut space, &mut pieces);
            word.push(c);
            flush(&mut word, &mut space, &mut pieces);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut space, &mut pieces);
    let trailing = space;

    let mut out: Vec<Atom> = Vec::with_capacity(pieces.len());
    let mut opened = false;
    for piece in pieces {
        let starts_closed = piece.text.chars().next().is_some_and(no_line_start);
        match out.last_mut() {
            // After an opening mark, or a closing mark with no space before it: same atom.
            Some(last) if opened || (starts_closed && piece.space.is_empty()) => {
                last.text.push_str(&piece.space);
                last.text.push_str(&piece.text);
            }
            _ => out.push(piece),
        }
        opened = out
            .last()
            .and_then(|a| a.text.chars().last())
            .is_some_and(no_line_end);
    }
    if let Some(last) = out.last_mut().filter(|_| !trailing.is_empty()) {
        last.text.push_str(&trailing);
    }
    out
}

/// Breaks `text` into lines no wider than `max_width` as measured by `width` (per character).
/// Spaces at a break are dropped; spaces that start the text (an indent) are kept. A line
/// is wider than `max_width` only when one character is, or when a closing mark hangs.
pub fn break_lines(text: &str, max_width: f32, width: impl Fn(char) -> f32) -> Vec<String> {
    let measure = |s: &str| s.chars().map(&width).sum::<f32>();
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0.0_f32;
    for (i, atom) in atoms(text).into_iter().enumerate() {
        let space = if i == 0 || !line.is_empty() {
            atom.space.as_str()
        } else {
            ""
        };
        let needed = measure(space) + measure(&atom.text);
        if line.is_empty() || used + needed <= max_width {
            if line.is_empty() && needed > max_width {
                // A word longer than a line: cut it (the only case a word is split).
                line.push_str(space);
                used = measure(space);
                cut_long(
                    &atom.text, max_width, &width, &mut lines, &mut line, &mut used,
                );
            } else {
                line.push_str(space);
                line.push_str(&atom.text);
                used += needed;
            }
            continue;
        }
        lines.push(std::mem::take(&mut line).trim_end().to_owned());
        used = 0.0;
        let needed = measure(&atom.text);
        if needed > max_width {
            cut_long(
                &atom.text, max_width, &width, &mut lines, &mut line, &mut used,
            );
        } else {
            line.push_str(&atom.text);
            used = needed;
        }
    }
    lines.push(line.trim_end().to_owned());
    lines
}

/// Sets `word` character by character from `line` on, starting new lines as they fill; a
/// closing mark that does not fit hangs at the end of the line instead of starting the next,
/// and an opening mark goes down with the character after it.
fn cut_long(
    word: &str,
    max_width: f32,
    width: &impl Fn(char) -> f32,
    lines: &mut Vec<String>,
    line: &mut String,
    used: &mut f32,
) {
    for c in word.chars() {
        let w = width(c);
        let fits = *used + w <= max_width;
        if !fits && !line.trim().is_empty() && !no_line_start(c) {
            let mut carry = String::new();
            // An opening mark at the end of the line goes down with this character.
            while line.chars().last().is_some_and(no_line_end) && line.chars().count() > 1 {
                if let Some(open) = line.pop() {
                    carry.insert(0, open);
                }
            }
            lines.push(std::mem::take(line));
            *used = carry.chars().map(width).sum();
            line.push_str(&carry);
        }
        line.push(c);
        *used += w;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character one unit wide (CJK text in a monospaced model).
    fn unit(_: char) -> f32 {
        1.0
    }

    fn assert_rules(lines: &[String]) {
        for (n, line) in lines.iter().enumerate() {
            if n > 0 {
                let first = line.chars().next().unwrap_or(' ');
                assert!(
                    !no_line_start(first),
                    "line {n} starts with {first}: {lines:?}"
                );
            }
            if n + 1 < lines.len() {
                let last = line.chars().last().unwrap_or(' ');
                assert!(!no_line_end(last), "line {n} ends with {last}: {lines:?}");
            }
        }
    }

    #[test]
    fn a_full_stop_never_starts_a_line() {
        // Ten characters a line: the naive break puts 。 first on the second line.
        let text = "一二三四五六七八九十。之后的文字";
        let lines = break_lines(text, 10.0, unit);
        assert_eq!(lines, ["一二三四五六七八九", "十。之后的文字"]);
        assert_rules(&lines);
        // Two closing marks in a row go down with the character before them.
        let lines = break_lines("一二三四五六七八九十）。后", 10.0, unit);
        assert_eq!(lines, ["一二三四五六七八九", "十）。后"]);
        for mark in [
            "，", "、", "；", "：", "？", "！", "》", "」", "』", "】", "％",
        ] {
            let text = format!("一二三四五六七八九十{mark}后");
            let lines = break_lines(&text, 10.0, unit);
            assert_eq!(lines[1], format!("十{mark}后"), "{mark}");
        }
    }

    #[test]
    fn an_opening_mark_never_ends_a_line() {
        let text = "一二三四五六七八九（十）";
        let lines = break_lines(text, 10.0, unit);
        assert_eq!(lines, ["一二三四五六七八九", "（十）"]);
        for mark in ["《", "「", "『", "【"] {
            let text = format!("一二三四五六七八九{mark}十");
            let lines = break_lines(&text, 10.0, unit);
            assert_eq!(
                lines,
                ["一二三四五六七八九", &format!("{mark}十")],
                "{mark}"
            );
        }
    }

    #[test]
    fn english_words_and_numbers_break_at_spaces() {
        let text = "City and county governments may offer 500,000.00 yuan";
        let lines = break_lines(text, 12.0, unit);
        assert_eq!(
            lines,
            [
                "City and",
                "county",
                "governments",
                "may offer",
                "500,000.00",
                "yuan"
            ]
        );
        // Mixed: a number is never split, Chinese around it is.
        let lines = break_lines("协议总价 500,000.00 元（人民币伍拾万元整）", 12.0, unit);
        assert_eq!(lines, ["协议总价", "500,000.00 元", "（人民币伍拾万元整）"]);
        assert_rules(&lines);
        for line in &lines {
            assert!(line.chars().count() <= 12, "{line}");
        }
    }

    #[test]
    fn a_word_longer_than_a_line_is_cut() {
        let lines = break_lines("hash: 0123456789abcdef0123", 10.0, unit);
        assert_eq!(lines, ["hash:", "0123456789", "abcdef0123"]);
        // A closing mark after a long word hangs instead of starting a line.
        let lines = break_lines("0123456789，后", 10.0, unit);
        assert_eq!(lines, ["0123456789，", "后"]);
    }

    #[test]
    fn indents_are_kept_and_break_spaces_dropped() {
        let lines = break_lines("  一二三 四五六", 6.0, unit);
        assert_eq!(lines, ["  一二三", "四五六"]);
        assert_eq!(break_lines("", 10.0, unit), [""]);
        assert_eq!(break_lines("短", 10.0, unit), ["短"]);
    }

    #[test]
    fn a_long_paragraph_keeps_every_rule_at_every_width() {
        let text = "《达州市进一步深化城乡建设用地增减挂钩试点助推脱贫攻坚的意见》（达市国土资发〔2017〕262号）二(三)：在优先保障本地区扶贫开发及易地扶贫搬迁建设、经济社会发展用地的基础上，可在省级流转信息平台发布公告，转让、受让市、县人民政府自行协商流转价格（不低于省上指导价格），签订流转协议。";
        // Latin letters and digits half as wide as ideographs, as in the font.
        let width = |c: char| if is_cjk(c) { 1.0 } else { 0.5 };
        for max in 6..40 {
            let lines = break_lines(text, max as f32, width);
            assert_rules(&lines);
            let joined: String = lines.concat();
            assert_eq!(joined, text, "nothing lost at width {max}");
            for line in &lines {
                let w: f32 = line.chars().map(width).sum();
                assert!(w <= max as f32, "{line} wider than {max}");
            }
        }
    }
}
