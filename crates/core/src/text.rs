//! Text hygiene: which characters no field of a record may hold, so that what a tablet shows, what
//! the server stores and what a receipt prints are the same text.
//!
//! Refused everywhere: control characters (NUL and the rest of C0/C1, except line breaks and tabs
//! in multi-line fields), the bidirectional controls that reorder what is shown (U+202E turns
//! 「张三」 into something else on screen and paper), and zero-width or invisible characters that make
//! two names look alike. Both sides run this through validation, so a device never queues what
//! the server refuses.

/// Whether `c` may not appear in a field (`multiline`: a text area, where `\n`, `\r` and `\t` are
/// allowed).
pub fn is_forbidden(c: char, multiline: bool) -> bool {
    match c {
        '\n' | '\r' | '\t' => !multiline,
        // U+2028/U+2029 break lines without being a line break most software knows.
        '\u{2028}' | '\u{2029}' => true,
        // Bidirectional marks, embeddings, overrides and isolates.
        '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => true,
        // Zero-width and invisible characters: ZWSP, ZWNJ, ZWJ, word joiner, invisible operators,
        // the byte order mark, soft hyphen, Mongolian vowel separator, and the interlinear
        // annotation controls.
        '\u{200B}'..='\u{200D}'
        | '\u{2060}'..='\u{2064}'
        | '\u{FEFF}'
        | '\u{00AD}'
        | '\u{180E}'
        | '\u{FFF9}'..='\u{FFFB}' => true,
        c => c.is_control(),
    }
}

/// The first forbidden character of `s`, with its 1-based position in characters.
pub fn first_forbidden(s: &str, multiline: bool) -> Option<(usize, char)> {
    s.chars()
        .enumerate()
        .find(|(_, c)| is_forbidden(*c, multiline))
        .map(|(i, c)| (i + 1, c))
}

/// `U+202E`: how an error names a character that cannot be shown.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Reads full-width digits, letters and dashes (as a Chinese input method types them) as their
/// ASCII forms, for fields that are numbers: `１３８１２３４５６７８` is what the user meant by
/// `13812345678`.
pub fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
            }
            '\u{FF0D}' | '\u{2014}' | '\u{2013}' => '-',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_chinese_and_latin_text_passes() {
        assert_eq!(
            first_forbidden("张三 Zhang San，城关镇人民路1号（东）", false),
            None
        );
        assert_eq!(first_forbidden("第一行\n第二行\t缩进", true), None);
    }

    #[test]
    fn nul_and_other_control_characters_are_found_with_their_position() {
        assert_eq!(first_forbidden("张\0三", false), Some((2, '\0')));
        assert_eq!(first_forbidden("a\u{7}", true), Some((2, '\u{7}')));
        assert_eq!(first_forbidden("a\u{85}", true), Some((2, '\u{85}')));
    }

    #[test]
    fn a_line_break_is_refused_in_a_one_line_field_only() {
        assert_eq!(first_forbidden("张\n三", false), Some((2, '\n')));
        assert_eq!(first_forbidden("张\n三", true), None);
        assert_eq!(first_forbidden("张\u{2028}三", true), Some((2, '\u{2028}')));
    }

    #[test]
    fn bidirectional_overrides_and_zero_width_characters_are_refused() {
        for c in [
            '\u{202E}', '\u{2066}', '\u{200F}', '\u{200B}', '\u{200D}', '\u{FEFF}', '\u{2060}',
        ] {
            assert!(is_forbidden(c, true), "{}", code_point(c));
        }
        assert_eq!(code_point('\u{202E}'), "U+202E");
    }

    #[test]
    fn full_width_digits_and_letters_read_as_ascii() {
        assert_eq!(ascii_digits("１３８１２３４５６７８"), "13812345678");
        assert_eq!(ascii_digits("０５７１－８７６５４３２１"), "0571-87654321");
        assert_eq!(ascii_digits("11010519491231002ｘ"), "11010519491231002x");
    }
}
