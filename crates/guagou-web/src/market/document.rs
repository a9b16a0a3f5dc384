//! The agreement as a printable document (Chinese, with English beside it): the text lines of
//! the agreement PDF, built from the same export the provincial platform receives.

use guagou_domain::units::{Fen, SquareMetres};

use super::pdf::{self, CjkFont, Line};
use super::read::{AgreementExport, ListingExport};
use crate::html::Lang;
use crate::names;

#[derive(Debug)]
pub enum DocumentError {
    /// No CJK font on this machine (answered 503 `cjk_font_missing`).
    FontMissing,
    Pdf(String),
}

/// An amount in figures with separators: "500,000.00 元".
fn money(fen: i64) -> String {
    format!("{} 元", Fen(fen).yuan_grouped_text())
}

/// An amount in figures and in capitals, as a contract writes a sum to be paid:
/// "500,000.00 元（人民币伍拾万元整）".
fn money_in_words(fen: i64) -> String {
    format!("{}（{}）", money(fen), Fen(fen).capitals())
}

/// A price per 亩 in 元, and in 万元 where that reads better: "300,000.00 元/亩（30 万元/亩）".
fn price(fen_per_mu: i64) -> String {
    let yuan = format!("{} 元/亩", Fen(fen_per_mu).yuan_grouped_text());
    match Fen(fen_per_mu).wan_yuan_text() {
        Some(wan) => format!("{yuan}（{wan} 万元/亩）"),
        None => yuan,
    }
}

/// The lines of the agreement.
pub fn agreement_lines(export: &AgreementExport) -> Vec<Line> {
    let a = &export.agreement;
    let area = SquareMetres(a.amount_m2);
    let mut lines = vec![
        Line::title("城乡建设用地增减挂钩节余指标流转协议"),
        Line::small(
            "Agreement on the transfer of surplus construction-land quota (urban–rural linkage)",
        ),
        Line::body(format!(
            "协议编号 Agreement: {}    公告编号 Listing: {}",
            a.id, a.listing
        )),
        Line::heading("一、当事人 Parties"),
        Line::body(format!(
            "转让方（甲方）Seller: {}（{}）",
            export.seller_name, a.seller
        )),
        Line::body(format!(
            "受让方（乙方）Buyer: {}（{}）",
            export.buyer_name, a.buyer
        )),
        Line::heading("二、流转指标 Quota"),
        Line::body(format!(
            "流转面积 Amount: {} 平方米（{} 公顷，{} 亩）",
            a.amount_m2,
            area.hectares_text(),
            area.mu_text()
        )),
        Line::body(format!("成交价格 Price: {}", price(a.price_fen_per_mu))),
        Line::body(format!(
            "协议总价 Total: {}，按面积 × 单价计",
            money_in_words(a.total_fen)
        )),
    ];
    if let Some(guide) = export.guide_price_fen_per_mu {
        lines.push(Line::body(format!(
            "签订当年省指导价 Guide price: {}；流转价格不低于指导价（TRANSFER_PRICE_FLOOR，二(三)）",
            price(guide)
        )));
    }
    lines.push(Line::heading("三、付款计划 Payment schedule"));
    for i in &a.schedule {
        lines.push(Line::body(format!(
            "第 {} 期  {}  应付 {}  已到账 {}",
            i.number,
            i.due_on,
            money_in_words(i.amount_fen),
            money(i.received_fen)
        )));
    }
    lines.push(Line::body(format!(
        "已到账合计 Received: {}",
        money(a.received_fen)
    )));
    lines.push(Line::heading("四、签订与结算 Signature and settlement"));
    lines.push(Line::body(format!(
        "签订日期 Signed on: {}（{}）",
        a.signed_on, a.signed_by
    )));
    lines.push(Line::body(format!(
        "协议状态 State: {} / {}",
        Lang::Zh.text(names::agreement_state(a.state)),
        Lang::En.text(names::agreement_state(a.state))
    )));
    if let Some(transfer) = &export.transfer {
        lines.push(Line::body(format!(
            "结算日期 Settled on: {}；台账条目 Ledger entry #{}",
            a.settled_on.clone().unwrap_or_default(),
            transfer.seq
        )));
        lines.push(Line::small(format!("条目哈希 hash: {}", transfer.hash)));
        lines.push(Line::body(
            "划转指标批次（来源项目）Serial blocks received:",
        ));
        for lot in &transfer.lots {
            lines.push(Line::body(format!(
                "  {}（{} 平方米，来源项目 {}）",
                lot.serial, lot.m2, lot.project
            )));
        }
    }
    if let (Some(on), Some(reason)) = (&a.cancelled_on, &a.cancel_reason) {
        lines.push(Line::body(format!(
            "解除日期 Cancelled on: {on}；理由 Reason: {reason}"
        )));
    }
    lines.push(Line::heading("五、依据 Basis"));
    lines.push(Line::body(
        "《达州市进一步深化城乡建设用地增减挂钩试点助推脱贫攻坚的意见》（达市国土资发〔2017〕262号）二(三)：在优先保障本地区扶贫开发及易地扶贫搬迁建设、经济社会发展用地的基础上，可在省级流转信息平台发布公告，转让、受让市、县人民政府自行协商流转价格（不低于省上指导价格），签订流转协议。",
    ));
    lines.push(Line::heading(""));
    lines.push(Line::body(
        "甲方（盖章）：                          乙方（盖章）：",
    ));
    lines.push(Line::body("日期：                                  日期："));
    lines
}

/// The lines of the listing (公告), as published on the provincial platform.
pub fn listing_lines(export: &ListingExport) -> Vec<Line> {
    let l = &export.listing;
    let area = SquareMetres(l.amount_m2);
    vec![
        Line::title("城乡建设用地增减挂钩节余指标流转公告"),
        Line::small(
            "Listing of surplus construction-land quota for transfer (urban–rural linkage)",
        ),
        Line::body(format!("公告编号 Listing: {}", l.id)),
        Line::heading("一、转让方 Seller"),
        Line::body(format!("{}（{}）", export.seller_name, l.seller)),
        Line::body(format!("联系方式 Contact: {}", l.contact)),
        Line::heading("二、挂牌指标 Quota"),
        Line::body(format!(
            "挂牌面积 Amount: {} 平方米（{} 公顷，{} 亩）",
            l.amount_m2,
            area.hectares_text(),
            area.mu_text()
        )),
        Line::body(format!(
            "挂牌底价 Reserve price: {}，不低于省指导价（TRANSFER_PRICE_FLOOR，二(三)）",
            price(l.reserve_price_fen_per_mu)
        )),
        Line::heading("三、挂牌期 Period"),
        Line::body(format!(
            "{} 至 {} / {} to {}",
            l.opens_on, l.closes_on, l.opens_on, l.closes_on
        )),
        Line::body(format!(
            "状态 State: {} / {}",
            Lang::Zh.text(names::listing_state(l.state)),
            Lang::En.text(names::listing_state(l.state))
        )),
        Line::body(format!(
            "发布 Published: {} · {}",
            l.published_on, l.published_by
        )),
        Line::heading("四、受让方 Buyers"),
        Line::body(
            "本省市、县人民政府可在挂牌期内提出受让意向，协商价格不低于省上指导价格。/ City and county governments of the province may offer within the period, at no less than the provincial guide price.",
        ),
    ]
}

fn render(title: &str, lines: &[Line]) -> Result<Vec<u8>, DocumentError> {
    let font = CjkFont::find().ok_or(DocumentError::FontMissing)?;
    pdf::render(&font, title, lines).map_err(|e| match e {
        pdf::PdfError::FontMissing => DocumentError::FontMissing,
        other => DocumentError::Pdf(other.to_string()),
    })
}

/// The agreement PDF, with the machine's CJK font.
pub fn agreement_pdf(export: &AgreementExport) -> Result<Vec<u8>, DocumentError> {
    render(
        &format!("流转协议 {}", export.agreement.id),
        &agreement_lines(export),
    )
}

/// The listing PDF, with the machine's CJK font.
pub fn listing_pdf(export: &ListingExport) -> Result<Vec<u8>, DocumentError> {
    render(
        &format!("流转公告 {}", export.listing.id),
        &listing_lines(export),
    )
}

#[cfg(test)]
mod tests {
    use super::{money, money_in_words, price};

    #[test]
    fn amounts_read_with_separators_capitals_and_wan() {
        assert_eq!(money(50_000_000), "500,000.00 元");
        assert_eq!(
            money_in_words(50_000_000),
            "500,000.00 元（人民币伍拾万元整）"
        );
        assert_eq!(
            money_in_words(123_456_789),
            "1,234,567.89 元（人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分）"
        );
        assert_eq!(price(30_000_000), "300,000.00 元/亩（30 万元/亩）");
        assert_eq!(price(12_345), "123.45 元/亩");
    }
}
