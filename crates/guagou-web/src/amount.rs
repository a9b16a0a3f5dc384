//! Amounts typed in forms, as people write them: "50,000", "50,000.00", "5万" m²; "50,000.00"
//! 元, "30万元". The parsing is the domain's (`units::parse_area_m2`, `units::parse_money_fen`,
//! exact, no float); this module names the field and says what is expected when it fails.

use guagou_domain::units::{parse_area_m2, parse_money_fen};

use crate::error::WebError;

/// An area in whole m² from a form field.
pub fn form_area_m2(field: &'static str, text: &str) -> Result<i64, WebError> {
    parse_area_m2(text).ok_or_else(|| {
        WebError::invalid_text(
            field,
            format!("面积 {text} 应为整数平方米（可写 50000、50,000 或 5万）"),
            format!("the area {text} should be whole m² (50000, 50,000 or 5万 are fine)"),
        )
    })
}

/// Money in 分 from a form field in 元 (at most two decimals) or 万元.
pub fn form_money_fen(field: &'static str, text: &str) -> Result<i64, WebError> {
    parse_money_fen(text).ok_or_else(|| {
        WebError::invalid_text(
            field,
            format!("金额 {text} 应为元（最多两位小数，可写 50,000.00 或 30万元）"),
            format!(
                "the amount {text} should be yuan with at most two decimals (50,000.00 or 30万元 are fine)"
            ),
        )
    })
}
