//! People and machines that use the portal: their role and their password.

use std::fmt;

use crate::ValueError;

string_enum! {
    /// What a user may do. Company users (`admin`, `viewer`) are scoped to one
    /// company; `operator` is the operator's own staff.
    pub enum Role (code = "role_invalid", what = "role") {
        /// Reads and writes the company's orders, subscriptions and ports.
        Admin = "admin",
        /// Reads the company's data only.
        Viewer = "viewer",
        /// The operator's staff: companies, users, number pools, catalog, donor answers.
        Operator = "operator",
    }
}

impl Role {
    /// Only a company's administrator creates and changes its orders and subscriptions.
    pub fn can_write_company(&self) -> bool {
        matches!(self, Role::Admin)
    }

    /// Whether the role belongs to a single company (and so must carry one).
    pub fn is_company_role(&self) -> bool {
        matches!(self, Role::Admin | Role::Viewer)
    }
}

/// The most cost centres one user may be limited to.
pub const MAX_COST_CENTERS: usize = 50;

/// What of its company a user sees and acts on: all of it, or the orders, subscriptions,
/// ports, bulk jobs, events and audit entries of employees in some cost centres.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    Company,
    /// Only these cost centres (each a [`crate::text::CostCenter`], kept sorted and once).
    CostCenters(Vec<String>),
}

impl Scope {
    /// A scope of `centers`, sorted and each once; `None` is the whole company.
    pub fn of(centers: Option<Vec<String>>) -> Scope {
        match centers {
            None => Scope::Company,
            Some(mut centers) => {
                centers.sort();
                centers.dedup();
                Scope::CostCenters(centers)
            }
        }
    }

    /// Whether an employee in `cost_center` (`None`: in none) is within the scope.
    pub fn covers(&self, cost_center: Option<&str>) -> bool {
        match self {
            Scope::Company => true,
            Scope::CostCenters(centers) => {
                cost_center.is_some_and(|c| centers.iter().any(|mine| mine == c))
            }
        }
    }

    /// The cost centres a scoped user is limited to; `None` for the whole company.
    pub fn centers(&self) -> Option<&[String]> {
        match self {
            Scope::Company => None,
            Scope::CostCenters(centers) => Some(centers),
        }
    }
}

/// A password as typed, before hashing. Its `Debug` hides it so it never reaches a
/// log line, and it has no `Display` or `Serialize`.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// At least 12 characters: length, not composition rules, is what makes a
    /// password hard to guess (the approach of NIST SP 800-63B). At most 128, so a
    /// huge input cannot make the server spend long hashing it.
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    /// Takes the password exactly as typed: no trimming, since spaces are
    /// characters like any other in a passphrase.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let chars = input.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(ValueError::new(
                "password_too_short",
                format!(
                    "the password must be at least {} characters",
                    Self::MIN_CHARS
                ),
            ));
        }
        if chars > Self::MAX_CHARS {
            return Err(ValueError::new(
                "password_too_long",
                format!(
                    "the password must be at most {} characters",
                    Self::MAX_CHARS
                ),
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// The password itself, for hashing or verifying; named so its uses stand out.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::from_str_value;

    #[test]
    fn every_role_reads_back_from_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(from_str_value::<Role>(role.as_str()).unwrap(), role);
            assert_eq!(role.to_string(), role.as_str());
        }
    }

    #[test]
    fn role_names_are_lower_case() {
        let names: Vec<&str> = Role::ALL.iter().map(Role::as_str).collect();
        assert_eq!(names, ["admin", "viewer", "operator"]);
    }

    #[test]
    fn an_unknown_role_is_rejected() {
        assert_eq!("Admin".parse::<Role>().unwrap_err().code, "role_invalid");
        assert_eq!("root".parse::<Role>().unwrap_err().code, "role_invalid");
    }

    #[test]
    fn only_an_admin_can_write_company_data() {
        assert!(Role::Admin.can_write_company());
        assert!(!Role::Viewer.can_write_company());
        assert!(!Role::Operator.can_write_company());
    }

    #[test]
    fn admin_and_viewer_are_company_roles_and_operator_is_not() {
        assert!(Role::Admin.is_company_role());
        assert!(Role::Viewer.is_company_role());
        assert!(!Role::Operator.is_company_role());
    }

    #[test]
    fn a_password_of_12_characters_is_accepted() {
        let password = Password::parse("korrekt hest").unwrap();
        assert_eq!(password.expose_secret(), "korrekt hest");
    }

    #[test]
    fn a_password_shorter_than_12_characters_is_rejected() {
        assert_eq!(
            Password::parse("kort kodeor").unwrap_err().code,
            "password_too_short"
        );
    }

    #[test]
    fn password_length_is_counted_in_characters_not_bytes() {
        // 6 × "æø" is 12 characters but 24 bytes.
        assert!(Password::parse(&"æø".repeat(6)).is_ok());
        assert!(Password::parse(&"æ".repeat(11)).is_err());
    }

    #[test]
    fn a_password_longer_than_128_characters_is_rejected() {
        assert!(Password::parse(&"x".repeat(128)).is_ok());
        assert_eq!(
            Password::parse(&"x".repeat(129)).unwrap_err().code,
            "password_too_long"
        );
    }

    #[test]
    fn a_password_is_not_trimmed() {
        let password = Password::parse("  mellemrum i  ").unwrap();
        assert_eq!(password.expose_secret(), "  mellemrum i  ");
    }

    #[test]
    fn debug_output_does_not_reveal_the_password() {
        let password = Password::parse("hemmelig-kode-123").unwrap();
        let shown = format!("{password:?}");
        assert_eq!(shown, "Password(***)");
        assert!(!shown.contains("hemmelig"));
    }
}

#[cfg(test)]
mod scope_tests {
    use super::*;

    #[test]
    fn a_scope_covers_only_its_cost_centres_and_never_an_employee_without_one() {
        let scope = Scope::of(Some(vec![
            "4200".to_owned(),
            "4100".to_owned(),
            "4100".to_owned(),
        ]));
        assert_eq!(
            scope.centers(),
            Some(&["4100".to_owned(), "4200".to_owned()][..])
        );
        assert!(scope.covers(Some("4100")));
        assert!(!scope.covers(Some("4300")));
        assert!(!scope.covers(None));
        assert!(Scope::Company.covers(None));
        assert!(Scope::of(None).covers(Some("9999")));
    }
}
