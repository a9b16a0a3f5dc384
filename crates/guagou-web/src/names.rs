//! Names of things a page shows by name, never by code: the audit log's actions. (The start of
//! the page catalogue of issue 14; other names live beside their pages for now.)

use crate::html::Lang;

/// The name of an audit action (`project.transition` → 项目流程), in the reader's language.
/// An action this table does not know keeps its code, so nothing is hidden.
pub fn audit_action(lang: Lang, action: &str) -> String {
    let named = match action.split_once('.') {
        Some(("ledger", kind)) => {
            let (zh, en) = crate::quota::access::operation_kind(kind);
            Some((format!("指标台账：{zh}"), format!("ledger: {en}")))
        }
        Some(("funds", kind)) => {
            funds_kind(kind).map(|(zh, en)| (format!("资金台账：{zh}"), format!("funds: {en}")))
        }
        _ => fixed(action).map(|(zh, en)| (zh.to_owned(), en.to_owned())),
    };
    match (named, lang) {
        (Some((zh, _)), Lang::Zh) => zh,
        (Some((_, en)), Lang::En) => en,
        (None, _) => action.to_owned(),
    }
}

/// The name of a field of a ledger operation (`amount_m2` → 面积（m²）). An unknown field keeps
/// its code, shown as code.
pub fn operation_field(lang: Lang, field: &str) -> Option<String> {
    let (zh, en) = match field {
        "project" => ("项目", "project"),
        "amount_m2" => ("面积（m²）", "area (m²)"),
        "confirmed_m2" => ("确认节余（m²）", "confirmed surplus (m²)"),
        "reclaimed_farmland_m2" => ("复垦耕地（m²）", "reclaimed farmland (m²)"),
        "resettlement_farmland_m2" => ("安置区占用耕地（m²）", "farmland of the site (m²)"),
        "division" => ("行政区", "division"),
        "county" => ("县", "county"),
        "purpose" => ("用途", "purpose"),
        "listing" => ("挂牌", "listing"),
        "buyer" => ("受让方", "buyer"),
        "price_fen_per_mu" => ("价格（分/亩）", "price (fen per mu)"),
        "priced_on" => ("定价日期", "priced on"),
        "zone" => ("建新区或供地", "zone or supply"),
        "land_use" => ("用地类型", "land use"),
        "year" => ("年度", "year"),
        "seq" => ("被冲正的记录", "entry reversed"),
        _ => return None,
    };
    Some(match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    })
}

fn funds_kind(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "proceeds" => ("流转收益到账", "transfer proceeds received"),
        "invest" => ("市级投资到位", "city investment received"),
        "spend" => ("支出", "spending"),
        "compensate" => ("农户补偿", "household compensation"),
        "reverse" => ("冲正", "reversal"),
        _ => return None,
    })
}

fn fixed(action: &str) -> Option<(&'static str, &'static str)> {
    Some(match action {
        "adjustment.apply" => ("规划调整申请", "planning adjustment application"),
        "allocation.decide" => ("年度指标分配决定", "yearly allocation decided"),
        "audit.finding" => ("审计发现", "audit finding"),
        "base_layer.import" => ("导入底图", "base layer imported"),
        "division.boundaries" => ("导入行政区边界", "division boundaries imported"),
        "division.import" => ("导入乡镇和村", "townships and villages imported"),
        "guide_price.add" => ("录入指导价", "guide price recorded"),
        "inspection.close" => ("检查整改销号", "inspection closed"),
        "inspection.record" => ("记录检查", "inspection recorded"),
        "inspection.rectify" => ("整改", "rectification"),
        "land_supply.record" => ("记录供地", "land supply recorded"),
        "market.cancel" => ("解除协议", "agreement cancelled"),
        "market.expire" => ("挂牌到期", "listing expired"),
        "market.offer" => ("报价", "offer"),
        "market.payment" => ("登记付款", "payment recorded"),
        "market.publish" => ("发布挂牌", "listing published"),
        "market.settle" => ("结算交割", "agreement settled"),
        "market.sign" => ("签订协议", "agreement signed"),
        "market.withdraw" => ("撤牌", "listing withdrawn"),
        "notice.answer" => ("答复异议", "objection answered"),
        "notice.lift" => ("解除通报", "notice lifted"),
        "notice.objection" => ("提出异议", "objection filed"),
        "notice.publish" => ("发布公示", "notice published"),
        "notice.record" => ("通报", "supervision notice"),
        "plan.create" => ("起草专项规划", "special plan drafted"),
        "plan.opinion" => ("部门会商意见", "consultation opinion"),
        "plan.transition" => ("专项规划流程", "special plan step"),
        "project.apply_acceptance" => ("申请验收", "acceptance applied for"),
        "project.city_investment" => ("市级投资县级实施", "city investment"),
        "project.extension_decision" => ("延期决定", "extension decided"),
        "project.extension_request" => ("申请延期", "extension requested"),
        "project.register" => ("登记项目", "project registered"),
        "project.review" => ("部门审查意见", "department review"),
        "project.transition" => ("项目流程", "project step"),
        "project.version" => ("实施方案新版本", "new plan version"),
        "sanction.apply" => ("实施制裁", "sanction applied"),
        "suspension.lift" => ("恢复预支", "advance suspension lifted"),
        "user.create" => ("新建账号", "account created"),
        "user.disable" => ("停用账号", "account disabled"),
        "user.enable" => ("启用账号", "account enabled"),
        "user.login" => ("登录", "signed in"),
        "user.login_failed" => ("登录失败", "failed sign-in"),
        "user.reset_password" => ("重置密码", "password reset"),
        "user.set" => ("调整账号", "account changed"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_as_names_and_unknown_ones_keep_their_code() {
        assert_eq!(audit_action(Lang::Zh, "project.transition"), "项目流程");
        assert_eq!(audit_action(Lang::En, "user.login"), "signed in");
        assert_eq!(audit_action(Lang::Zh, "ledger.advance"), "指标台账：预支");
        assert_eq!(audit_action(Lang::Zh, "funds.spend"), "资金台账：支出");
        assert_eq!(audit_action(Lang::Zh, "something.new"), "something.new");
    }
}
