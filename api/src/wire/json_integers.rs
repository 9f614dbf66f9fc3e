//! Integers in request bodies as the document defines them. An OpenAPI 3.1 `integer` is a
//! JSON Schema `integer`: "any number with a zero fractional part" (JSON Schema Core
//! 2020-12, §4.2.1), so `5.0` is the integer 5, and a client (or a serializer that writes
//! every number as a float) may send it. serde's own `i32` refuses it; these helpers accept
//! it, for use with `#[serde(deserialize_with = ...)]`.
//!
//! Everything else is answered as serde's `i32` answers it, with the same messages, so the
//! problem codes stay as they were: a fraction (`5.5`) or a string is `invalid type: …,
//! expected i32` (422 `invalid_type`), a whole number out of `i32`'s range is `invalid
//! value: …` (422 `invalid_value`).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};

/// An `i32` that may be written with a zero fraction (`5.0`).
pub fn whole_i32<'de, D>(deserializer: D) -> Result<i32, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_i32(WholeI32)
}

/// An optional `i32` that may be written with a zero fraction; `null` is `None`, as for a
/// plain `Option<i32>`. With `#[serde(default)]` an absent field is `None` too.
pub fn whole_i32_opt<'de, D>(deserializer: D) -> Result<Option<i32>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<Whole>::deserialize(deserializer)?.map(|Whole(n)| n))
}

/// An `i32` read by [`whole_i32`], so `Option` can wrap it.
struct Whole(i32);

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        whole_i32(deserializer).map(Whole)
    }
}

struct WholeI32;

impl Visitor<'_> for WholeI32 {
    type Value = i32;

    // As serde's own `i32`, so the messages (and the codes derived from them) stay.
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("i32")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i32, E> {
        i32::try_from(v).map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i32, E> {
        i32::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i32, E> {
        // `fract()` of an infinity or NaN is NaN, which is not 0.0: refused here too.
        if v.fract() != 0.0 {
            return Err(E::invalid_type(Unexpected::Float(v), &self));
        }
        if v < f64::from(i32::MIN) || v > f64::from(i32::MAX) {
            return Err(E::invalid_value(Unexpected::Float(v), &self));
        }
        // Whole and in range, so the conversion is exact (`-0.0` is 0).
        #[allow(clippy::cast_possible_truncation)]
        Ok(v as i32)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Required {
        #[serde(deserialize_with = "whole_i32")]
        n: i32,
    }

    #[derive(Debug, Deserialize)]
    struct Defaulted {
        #[serde(default, deserialize_with = "whole_i32")]
        n: i32,
    }

    #[derive(Debug, Deserialize)]
    struct Optional {
        #[serde(default, deserialize_with = "whole_i32_opt")]
        n: Option<i32>,
    }

    fn required(text: &str) -> Result<i32, String> {
        serde_json::from_str::<Required>(text)
            .map(|r| r.n)
            .map_err(|e| e.to_string())
    }

    /// What serde's own `i32` says about the same text.
    fn plain(text: &str) -> Result<i32, String> {
        #[derive(Deserialize)]
        struct Plain {
            #[allow(dead_code)]
            n: i32,
        }
        serde_json::from_str::<Plain>(text)
            .map(|p| p.n)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn integers_are_read_as_before() {
        for text in [
            r#"{"n": 5}"#,
            r#"{"n": -3}"#,
            r#"{"n": 0}"#,
            r#"{"n": 2147483647}"#,
        ] {
            assert_eq!(required(text), plain(text), "{text}");
        }
        assert_eq!(required(r#"{"n": -2147483648}"#), Ok(i32::MIN));
    }

    #[test]
    fn a_zero_fraction_is_an_integer() {
        assert_eq!(required(r#"{"n": 5.0}"#), Ok(5));
        assert_eq!(required(r#"{"n": 2.00}"#), Ok(2));
        assert_eq!(required(r#"{"n": 5e0}"#), Ok(5));
        assert_eq!(required(r#"{"n": 1E3}"#), Ok(1000));
        assert_eq!(required(r#"{"n": -0.0}"#), Ok(0));
        assert_eq!(required(r#"{"n": -4.0}"#), Ok(-4));
        assert_eq!(required(r#"{"n": 2147483647.0}"#), Ok(i32::MAX));
        assert_eq!(required(r#"{"n": -2147483648.0}"#), Ok(i32::MIN));
    }

    #[test]
    fn a_fraction_is_refused_as_serde_refuses_it() {
        for text in [
            r#"{"n": 5.5}"#,
            r#"{"n": 0.1}"#,
            r#"{"n": -2.25}"#,
            r#"{"n": 1e-7}"#,
        ] {
            let err = required(text).unwrap_err();
            assert!(err.starts_with("invalid type: floating point"), "{err}");
            assert_eq!(Err(err), plain(text), "{text}");
        }
    }

    #[test]
    fn out_of_range_is_an_invalid_value() {
        for text in [r#"{"n": 2147483648}"#, r#"{"n": -2147483649}"#] {
            let err = required(text).unwrap_err();
            assert!(err.starts_with("invalid value: integer"), "{err}");
            assert_eq!(Err(err), plain(text), "{text}");
        }
        for text in [
            r#"{"n": 2147483648.0}"#,
            r#"{"n": 1e300}"#,
            r#"{"n": -3e9}"#,
        ] {
            let err = required(text).unwrap_err();
            assert!(err.starts_with("invalid value: floating point"), "{err}");
        }
    }

    #[test]
    fn other_types_are_refused_as_before() {
        for text in [
            r#"{"n": "5"}"#,
            r#"{"n": null}"#,
            r#"{"n": true}"#,
            r#"{"n": [5]}"#,
            r#"{"n": {}}"#,
        ] {
            let err = required(text).unwrap_err();
            assert!(err.starts_with("invalid type"), "{err}");
            assert_eq!(Err(err), plain(text), "{text}");
        }
        assert_eq!(
            required("{}").unwrap_err(),
            plain("{}").unwrap_err(),
            "a missing field is still `missing field`"
        );
    }

    #[test]
    fn a_default_still_fills_an_absent_field() {
        let d: Defaulted = serde_json::from_str("{}").unwrap();
        assert_eq!(d.n, 0);
        let d: Defaulted = serde_json::from_str(r#"{"n": 3.0}"#).unwrap();
        assert_eq!(d.n, 3);
    }

    #[test]
    fn an_option_reads_null_and_absence_as_none() {
        let read = |v: serde_json::Value| serde_json::from_value::<Optional>(v).map(|o| o.n);
        assert_eq!(read(json!({})).unwrap(), None);
        assert_eq!(read(json!({"n": null})).unwrap(), None);
        assert_eq!(read(json!({"n": 4})).unwrap(), Some(4));
        assert_eq!(read(json!({"n": 4.0})).unwrap(), Some(4));
        let err = read(json!({"n": 4.5})).unwrap_err().to_string();
        assert!(err.starts_with("invalid type: floating point"), "{err}");
    }

    #[test]
    fn a_json_value_is_read_as_text_is() {
        // A merged merge patch is a `serde_json::Value`, read with `body::from_value`.
        let read = |v: serde_json::Value| serde_json::from_value::<Required>(v).map(|r| r.n);
        assert_eq!(read(json!({"n": 5.0})).unwrap(), 5);
        assert_eq!(read(json!({"n": 5})).unwrap(), 5);
        assert!(
            read(json!({"n": 5.5}))
                .unwrap_err()
                .to_string()
                .starts_with("invalid type: floating point `5.5`, expected i32")
        );
    }

    #[test]
    fn a_fraction_is_a_422_invalid_type_at_its_pointer() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Form {
            #[serde(default, deserialize_with = "whole_i32")]
            data_sharing_cards: i32,
        }
        let form: Form = crate::body::parse_json(br#"{"data_sharing_cards": 2.0}"#).unwrap();
        assert_eq!(form.data_sharing_cards, 2);
        let err = crate::body::from_value::<Form>(&json!({"data_sharing_cards": 2.5})).unwrap_err();
        assert_eq!(
            (err.pointer.as_str(), err.code.as_str()),
            ("/data_sharing_cards", "invalid_type")
        );
    }
}
