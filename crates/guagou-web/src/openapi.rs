//! The OpenAPI document served at `/api/openapi.json`: the paths come from the handlers'
//! `#[utoipa::path]` attributes as the routers register them; this module adds the title,
//! the servers, the security schemes and the error table (the `ErrorCode` schema: every code
//! as an enum value, the table in its description and, machine-readable, in its
//! `x-error-codes` extension).

use guagou_domain::ErrorCode;
use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};

use crate::auth::{CSRF_HEADER, SESSION_COOKIE};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "guagou API",
        description = "城乡建设用地增减挂钩管理系统 JSON 接口 / JSON API of the urban–rural construction-land linkage system. Sign in at /login (form) to get the session cookie; every POST also needs the session's CSRF token in the x-csrf-token header. Errors are JSON: {code, rule, field, message_zh, message_en}; the status of each code is in the ErrorCode schema.",
        version = "1"
    ),
    servers((url = "/api")),
    modifiers(&Security, &ErrorCodes),
    components(schemas(crate::error::Problem))
)]
pub struct BaseDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(CSRF_HEADER))),
        );
        openapi.security = Some(vec![SecurityRequirement::new(
            "session",
            Vec::<String>::new(),
        )]);
    }
}

/// The error table as the `ErrorCode` component the `code` of every `Problem` refers to.
struct ErrorCodes;

impl Modify for ErrorCodes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let codes = ErrorCode::all();
        let mut description = String::from(
            "错误代码及其 HTTP 状态 / every error code with its HTTP status (a refusing rule answers its rule ID, 422):\n",
        );
        for code in &codes {
            description.push_str(&format!(
                "\n- `{}` ({}): {} / {}",
                code.as_str(),
                code.status(),
                code.message_zh(),
                code.message_en()
            ));
        }
        let table: Vec<serde_json::Value> = codes
            .iter()
            .map(|code| {
                serde_json::json!({
                    "code": code.as_str(),
                    "status": code.status(),
                    "rule": code.rule().map(|r| r.as_str()),
                    "message_zh": code.message_zh(),
                    "message_en": code.message_en(),
                })
            })
            .collect();
        let schema = ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
            .enum_values(Some(codes.iter().map(|c| c.as_str())))
            .extensions(Some(Extensions::from_iter([(
                "x-error-codes",
                serde_json::Value::Array(table),
            )])))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .schemas
            .insert("ErrorCode".to_owned(), schema.into());
    }
}

/// The base document (title, servers, security) to merge the routers' paths into.
pub fn base() -> utoipa::openapi::OpenApi {
    BaseDoc::openapi()
}
