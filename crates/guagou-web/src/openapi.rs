//! The OpenAPI document served at `/api/openapi.json`: the paths come from the handlers'
//! `#[utoipa::path]` attributes as the routers register them; this module adds the title,
//! the servers and the security schemes.

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};

use crate::auth::{CSRF_HEADER, SESSION_COOKIE};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "guagou API",
        description = "城乡建设用地增减挂钩管理系统 JSON 接口 / JSON API of the urban–rural construction-land linkage system. Sign in at /login (form) to get the session cookie; every POST also needs the session's CSRF token in the x-csrf-token header. Errors are JSON: {code, rule, message_zh, message_en}.",
        version = "1"
    ),
    servers((url = "/api")),
    modifiers(&Security),
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

/// The base document (title, servers, security) to merge the routers' paths into.
pub fn base() -> utoipa::openapi::OpenApi {
    BaseDoc::openapi()
}
