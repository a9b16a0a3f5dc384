//! The agreement as a printable document (Chinese, with English beside it): the text lines of
//! the agreement PDF, built from the same export the provincial platform receives.

use guagou_domain::units::{Fen, SquareMetres};

use super::pdf::{self, CjkFont, Line};
use super::read::AgreementExport;

#[derive(Debug)]
pub enum DocumentError {
    /// No CJK font on this machine (answered 503 `cjk_font_missing`).
    FontMissing,
    Pdf(String),
}

fn yuan(fen: i64) -> String {
    Fen(fen).yuan_text()
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
        Line::body(format!(
            "成交价格 Price: {} 元/亩",
            yuan(a.price_fen_per_mu)
        )),
        Line::body(format!(
            "协议总价 Total: {} 元（面积 × 单价）",
            yuan(a.total_fen)
        )),
    ];
    if let Some(guide) = export.guide_price_fen_per_mu {
        lines.push(Line::body(format!(
            "签订当年省指导价 Guide price: {} 元/亩；流转价格不低于指导价（TRANSFER_PRICE_FLOOR，二(三)）",
            yuan(guide)
        )));
    }
    lines.push(Line::heading("三、付款计划 Payment schedule"));
    for i in &a.schedule {
        lines.push(Line::body(format!(
            "第 {} 期  {}  应付 {} 元  已到账 {} 元",
            i.number,
            i.due_on,
            yuan(i.amount_fen),
            yuan(i.received_fen)
        )));
    }
    lines.push(Line::body(format!(
        "已到账合计 Received: {} 元",
        yuan(a.received_fen)
    )));
    lines.push(Line::heading("四、签订与结算 Signature and settlement"));
    lines.push(Line::body(format!(
        "签订日期 Signed on: {}（{}）",
        a.signed_on, a.signed_by
    )));
    lines.push(Line::body(format!(
        "协议状态 State: {}（{}）",
        a.state.label_zh(),
        a.state
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

/// The agreement PDF, with the machine's CJK font.
pub fn agreement_pdf(export: &AgreementExport) -> Result<Vec<u8>, DocumentError> {
    let font = CjkFont::find().ok_or(DocumentError::FontMissing)?;
    let title = format!("流转协议 {}", export.agreement.id);
    pdf::render(&font, &title, &agreement_lines(export)).map_err(|e| match e {
        pdf::PdfError::FontMissing => DocumentError::FontMissing,
        other => DocumentError::Pdf(other.to_string()),
    })
}
