//! User administration through the door: administrators only, inside their jurisdiction
//! (`crate::users` decides, inside the write transaction).

use super::Door;
use crate::error::RegistryError;
use crate::users::{UserChange, UserChangeDone, UserRow};

impl Door<'_> {
    /// The accounts of this administrator's jurisdiction.
    pub async fn users(&self) -> Result<Vec<UserRow>, RegistryError> {
        self.registry.users(&self.actor).await
    }

    /// One administration step on the account `name` (create, set, disable, enable, reset
    /// the password), with its reason; a new or reset password is returned once.
    pub async fn change_user(
        &self,
        name: &str,
        change: &UserChange,
        reason: &str,
    ) -> Result<UserChangeDone, RegistryError> {
        self.registry
            .change_user(&self.actor, name, change, reason)
            .await
    }
}
