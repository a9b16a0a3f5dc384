//! Amounts of money in Chinese financial capitals (中文大写金额), as a contract or a voucher
//! writes them beside the figures: 123 456 789 分 → "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分".
//!
//! The convention followed is 《支付结算办法》附件一《正确填写票据和结算凭证的基本规定》
//! (中国人民银行, 银发〔1997〕393号), items 二 to 四, as read here:
//!
//! - Digits 壹贰叁肆伍陆柒捌玖, units 拾佰仟万亿, 元角分, 零 and 整; never 一二三, 十, 毛 or 另.
//!   Ten is 壹拾 (the 规定's own example writes 壹拾万柒仟元…), so nothing can be put in front.
//! - "人民币" comes first, directly followed by the capitals (no blank).
//! - An amount ending at 元 ends with "元整". After 角 "整" may be written or left out: we leave
//!   it out, as the 规定's example ¥1,409.50 → 人民币壹仟肆佰零玖元伍角 does. After 分 never "整".
//! - Zeros (item 四, taking the first of the forms each example allows):
//!   (一) a zero between digits is written 零: ¥1,409.50 → 壹仟肆佰零玖元伍角;
//!   (二) several zeros in a row are one 零: ¥6,007.14 → 陆仟零柒元壹角肆分;
//!   (三) when the 万 or 元 digit is 0 but the next lower digit is not, one 零 may be written or
//!   none: we write none at 万 (¥107,000.53 → 壹拾万柒仟元零伍角叁分) and one at 元
//!   (¥1,680.32 → 壹仟陆佰捌拾元零叁角贰分), which are the forms the 规定 gives first;
//!   (四) 角 zero with 分 not zero: 零 after 元 (¥16,409.02 → 壹万陆仟肆佰零玖元零贰分).
//!   Zeros at the end of a group or of the amount are not written (壹拾万元整, 壹亿元整).
//!   Zeros reaching across a 万 or 亿 group are one 零 (¥100,010,000 → 壹亿零壹万元整).
//! - Less than one 元: no 零元 in front (¥0.05 → 人民币伍分); zero is 人民币零元整.
//! - Above 9 999 亿 the count of 亿 is itself written with 万 (壹万亿, 玖亿…亿), so every i64
//!   has a reading. A negative amount (never on a contract) is written 负 before the capitals.

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];

/// `fen` 分 in financial capitals, with "人民币" in front.
pub fn rmb_capitals(fen: i64) -> String {
    let mut out = String::from("人民币");
    if fen < 0 {
        out.push('负');
    }
    let abs = fen.unsigned_abs();
    let yuan = abs / 100;
    let jiao = (abs / 10 % 10) as usize;
    let fen = (abs % 10) as usize;
    if yuan > 0 {
        out.push_str(&integer(yuan));
        out.push('元');
    }
    match (yuan, jiao, fen) {
        (0, 0, 0) => out.push_str("零元整"),
        (_, 0, 0) => out.push('整'),
        (_, j, f) => {
            if yuan > 0 && (j == 0 || yuan.is_multiple_of(10)) {
                // 四(四): 角 zero, 分 not; 四(三): 元 digit zero, 角 not.
                out.push('零');
            }
            if j > 0 {
                out.push(DIGITS[j]);
                out.push('角');
            }
            if f > 0 {
                out.push(DIGITS[f]);
                out.push('分');
            }
        }
    }
    out
}

/// A whole number (> 0) in capitals without a unit: groups of 亿, then 万, then the rest.
fn integer(n: u64) -> String {
    const YI: u64 = 100_000_000;
    if n >= YI {
        let (high, low) = (n / YI, n % YI);
        let mut out = integer(high);
        out.push('亿');
        if low > 0 {
            // A zero 千万 digit after 亿 is one 零 (壹亿零壹佰万, 壹亿零壹元).
            if low < YI / 10 {
                out.push('零');
            }
            out.push_str(&below_yi(low));
        }
        out
    } else {
        below_yi(n)
    }
}

/// 1 ≤ n < 1 亿.
fn below_yi(n: u64) -> String {
    let (high, low) = (n / 10_000, n % 10_000);
    let mut out = String::new();
    if high > 0 {
        out.push_str(&below_wan(high));
        out.push('万');
        // A zero 千 digit between 万 and a later digit is a zero in the middle, one 零
        // (壹万零伍拾); a zero 万 digit before 千 is not written (四(三): 壹拾万柒仟).
        if low > 0 && low < 1_000 {
            out.push('零');
        }
    }
    if low > 0 {
        out.push_str(&below_wan(low));
    }
    out
}

/// 1 ≤ n < 1 万, without leading 零: 仟, 佰, 拾 and the units, a run of inner zeros as one 零.
fn below_wan(n: u64) -> String {
    const UNITS: [&str; 4] = ["仟", "佰", "拾", ""];
    let digits = [n / 1000, n / 100 % 10, n / 10 % 10, n % 10];
    let mut out = String::new();
    let mut zero_pending = false;
    for (digit, unit) in digits.iter().zip(UNITS) {
        let d = *digit as usize;
        if d == 0 {
            zero_pending = !out.is_empty();
            continue;
        }
        if zero_pending {
            out.push('零');
            zero_pending = false;
        }
        out.push(DIGITS[d]);
        out.push_str(unit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::rmb_capitals;

    fn yuan(text: &str) -> i64 {
        crate::units::parse_money_fen(text).unwrap_or(i64::MIN)
    }

    #[test]
    fn the_examples_of_the_rules() {
        // 《正确填写票据和结算凭证的基本规定》 四(一)–(四), first forms.
        for (figures, capitals) in [
            ("1409.50", "人民币壹仟肆佰零玖元伍角"),
            ("6007.14", "人民币陆仟零柒元壹角肆分"),
            ("1680.32", "人民币壹仟陆佰捌拾元零叁角贰分"),
            ("107000.53", "人民币壹拾万柒仟元零伍角叁分"),
            ("16409.02", "人民币壹万陆仟肆佰零玖元零贰分"),
            ("325.04", "人民币叁佰贰拾伍元零肆分"),
        ] {
            assert_eq!(rmb_capitals(yuan(figures)), capitals, "{figures}");
        }
    }

    #[test]
    fn whole_amounts_end_with_zheng() {
        assert_eq!(rmb_capitals(5_000_000), "人民币伍万元整");
        assert_eq!(rmb_capitals(10_000_000), "人民币壹拾万元整");
        assert_eq!(rmb_capitals(50_000_000), "人民币伍拾万元整");
        assert_eq!(rmb_capitals(10_000_000_000), "人民币壹亿元整");
        assert_eq!(rmb_capitals(100), "人民币壹元整");
        assert_eq!(rmb_capitals(1_000), "人民币壹拾元整");
        assert_eq!(rmb_capitals(1_500), "人民币壹拾伍元整");
        assert_eq!(rmb_capitals(0), "人民币零元整");
    }

    #[test]
    fn the_brief_example() {
        assert_eq!(
            rmb_capitals(123_456_789),
            "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"
        );
    }

    #[test]
    fn less_than_one_yuan_has_no_leading_zero() {
        assert_eq!(rmb_capitals(5), "人民币伍分");
        assert_eq!(rmb_capitals(50), "人民币伍角");
        assert_eq!(rmb_capitals(55), "人民币伍角伍分");
        assert_eq!(rmb_capitals(1), "人民币壹分");
    }

    #[test]
    fn jiao_and_fen_after_yuan() {
        assert_eq!(rmb_capitals(150), "人民币壹元伍角");
        assert_eq!(rmb_capitals(105), "人民币壹元零伍分");
        assert_eq!(rmb_capitals(1_050), "人民币壹拾元零伍角");
        assert_eq!(rmb_capitals(1_005), "人民币壹拾元零伍分");
    }

    #[test]
    fn zeros_in_the_middle() {
        for (figures, capitals) in [
            ("1001", "人民币壹仟零壹元整"),
            ("1010", "人民币壹仟零壹拾元整"),
            ("1100", "人民币壹仟壹佰元整"),
            ("10001", "人民币壹万零壹元整"),
            ("10050", "人民币壹万零伍拾元整"),
            ("10100", "人民币壹万零壹佰元整"),
            ("11000", "人民币壹万壹仟元整"),
            ("100100", "人民币壹拾万零壹佰元整"),
            ("1000001", "人民币壹佰万零壹元整"),
            ("10000001", "人民币壹仟万零壹元整"),
            ("10010000", "人民币壹仟零壹万元整"),
            ("100000001", "人民币壹亿零壹元整"),
            ("100010000", "人民币壹亿零壹万元整"),
            ("101000000", "人民币壹亿零壹佰万元整"),
            ("110000000", "人民币壹亿壹仟万元整"),
            ("100001000", "人民币壹亿零壹仟元整"),
            ("1000000000000", "人民币壹万亿元整"),
            ("1000100000000", "人民币壹万零壹亿元整"),
            ("20000.20", "人民币贰万元零贰角"),
        ] {
            assert_eq!(rmb_capitals(yuan(figures)), capitals, "{figures}");
        }
    }

    #[test]
    fn the_largest_amounts() {
        // i64::MAX 分 = 92 233 720 368 547 758.07 元: 922 337 203 亿 6 854 万 7 758 元.
        assert_eq!(
            rmb_capitals(i64::MAX),
            "人民币玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零柒分"
        );
        assert_eq!(
            rmb_capitals(i64::MIN),
            "人民币负玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零捌分"
        );
        assert_eq!(rmb_capitals(-500), "人民币负伍元整");
    }
}
