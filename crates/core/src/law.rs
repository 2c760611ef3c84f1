//! The text of 《信访工作条例》 (2022) as data: its chapters, its articles and their paragraphs,
//! parsed from the official text kept in `crates/core/data/law/` (one Markdown file: `# title`,
//! `## 第一章 总则` for each chapter, `第一条 …` opening each article, one paragraph per line).
//!
//! The app never compiles the text in: the browser fetches the very same file from
//! [`ASSET_PATH`] (a copy under `public/law/`, byte-identical, asserted by a test) and hands it to
//! [`Regulation::parse`], so the law reader stays out of the first download. Native code (the
//! server, the question bank's test) uses [`Regulation::bundled`].

use serde::{Deserialize, Serialize};

/// Where the PWA serves the official text (Trunk copies `public/` to the root of `dist/`).
pub const ASSET_PATH: &str = "/law/xinfang-gongzuo-tiaoli-2022.md";

/// A regulation: its title and its chapters, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regulation {
    /// The title without book-title marks, e.g. `信访工作条例`.
    pub title: String,
    /// The chapters in order; article numbers run on across them.
    pub chapters: Vec<Chapter>,
}

/// One chapter (章).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chapter {
    /// 1 for 第一章.
    pub number: u8,
    /// The chapter's title after its number, e.g. `总则`.
    pub title: String,
    /// Its articles in order.
    pub articles: Vec<Article>,
}

/// One article (条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// 1 for 第一条.
    pub number: u8,
    /// The paragraphs (款, and the listed items 项 as their own lines), without the leading
    /// `第一条 `.
    pub paragraphs: Vec<String>,
}

/// Why a text is not a regulation in the expected markup; lines count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LawParseError {
    /// No `# title` line.
    #[error("no `# title` line")]
    NoTitle,
    /// A `## ` line that is not `## 第…章 title`.
    #[error("line {line}: a chapter heading must read `## 第…章 title`")]
    BadChapterHeading {
        /// The line.
        line: usize,
    },
    /// Chapters must be numbered 1, 2, 3… in order.
    #[error("line {line}: expected chapter {expected}, found chapter {found}")]
    ChapterOutOfOrder {
        /// The line.
        line: usize,
        /// The number that should come next.
        expected: u8,
        /// The number found.
        found: u8,
    },
    /// Articles must be numbered 1, 2, 3… in order across the chapters.
    #[error("line {line}: expected article {expected}, found article {found}")]
    ArticleOutOfOrder {
        /// The line.
        line: usize,
        /// The number that should come next.
        expected: u8,
        /// The number found.
        found: u8,
    },
    /// Text after a chapter heading but before its first article.
    #[error("line {line}: text outside any article")]
    TextOutsideArticle {
        /// The line.
        line: usize,
    },
    /// A chapter with no article.
    #[error("chapter {chapter} has no article")]
    EmptyChapter {
        /// The chapter's number.
        chapter: u8,
    },
    /// A title but no chapter.
    #[error("no chapter")]
    NoChapters,
}

impl Regulation {
    /// Reads the official text. Everything before the `# title` line (the provenance comment) and
    /// between the title and the first chapter (dates of adoption) is not part of any article and
    /// is skipped, as are whole-line `<!-- … -->` comments.
    pub fn parse(text: &str) -> Result<Regulation, LawParseError> {
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
        let title = lines
            .by_ref()
            .find_map(|(_, l)| l.strip_prefix("# "))
            .ok_or(LawParseError::NoTitle)?
            .trim()
            .to_owned();

        let mut chapters: Vec<Chapter> = Vec::new();
        let mut next_article = 1u8;
        for (line, l) in lines {
            if l.is_empty() || (l.starts_with("<!--") && l.ends_with("-->")) {
                continue;
            }
            if let Some(heading) = l.strip_prefix("## ") {
                let (number, title) =
                    numbered(heading, '章').ok_or(LawParseError::BadChapterHeading { line })?;
                let expected = chapters.len() as u8 + 1;
                if number != expected {
                    return Err(LawParseError::ChapterOutOfOrder {
                        line,
                        expected,
                        found: number,
                    });
                }
                if let Some(previous) = chapters.last().filter(|c| c.articles.is_empty()) {
                    return Err(LawParseError::EmptyChapter {
                        chapter: previous.number,
                    });
                }
                chapters.push(Chapter {
                    number,
                    title: title.to_owned(),
                    articles: Vec::new(),
                });
                continue;
            }
            // Before the first chapter: the dates of adoption and publication.
            let Some(chapter) = chapters.last_mut() else {
                continue;
            };
            if let Some((number, first)) = numbered(l, '条') {
                if number != next_article {
                    return Err(LawParseError::ArticleOutOfOrder {
                        line,
                        expected: next_article,
                        found: number,
                    });
                }
                next_article += 1;
                chapter.articles.push(Article {
                    number,
                    paragraphs: vec![first.to_owned()],
                });
            } else {
                chapter
                    .articles
                    .last_mut()
                    .ok_or(LawParseError::TextOutsideArticle { line })?
                    .paragraphs
                    .push(l.to_owned());
            }
        }
        match chapters.last() {
            None => Err(LawParseError::NoChapters),
            Some(c) if c.articles.is_empty() => {
                Err(LawParseError::EmptyChapter { chapter: c.number })
            }
            Some(_) => Ok(Regulation { title, chapters }),
        }
    }

    /// The official text of 《信访工作条例》 in this repository, parsed once. Native only: the
    /// browser fetches [`ASSET_PATH`] instead of carrying the text in its wasm.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn bundled() -> &'static Regulation {
        static BUNDLED: std::sync::OnceLock<Regulation> = std::sync::OnceLock::new();
        BUNDLED.get_or_init(|| {
            Regulation::parse(include_str!("../data/law/xinfang-gongzuo-tiaoli-2022.md"))
                .expect("the bundled regulation parses (tested)")
        })
    }

    /// All articles in order.
    pub fn articles(&self) -> impl Iterator<Item = &Article> {
        self.chapters.iter().flat_map(|c| &c.articles)
    }

    /// Article `number`, if the regulation has it.
    pub fn article(&self, number: u8) -> Option<&Article> {
        self.articles().find(|a| a.number == number)
    }

    /// The chapter that holds article `number`.
    pub fn chapter_of(&self, number: u8) -> Option<&Chapter> {
        self.chapters
            .iter()
            .find(|c| c.articles.iter().any(|a| a.number == number))
    }
}

impl Article {
    /// The article's words, paragraphs joined by line breaks: what a quote must be found in.
    pub fn text(&self) -> String {
        self.paragraphs.join("\n")
    }
}

/// Splits `第三十四条 text` (with `unit` 条) into `(34, "text")`. The numeral must be followed by
/// a space, so a paragraph that merely begins by citing an article is not taken for one.
fn numbered(line: &str, unit: char) -> Option<(u8, &str)> {
    let rest = line.strip_prefix('第')?;
    let (numeral, rest) = rest.split_once(unit)?;
    let number = parse_chinese_number(numeral)?;
    let rest = rest.strip_prefix([' ', '\u{3000}'])?;
    Some((number, rest.trim()))
}

const DIGITS: [char; 9] = ['一', '二', '三', '四', '五', '六', '七', '八', '九'];

fn digit(c: char) -> Option<u8> {
    DIGITS.iter().position(|&d| d == c).map(|i| i as u8 + 1)
}

/// Reads a Chinese numeral from 一 to 九十九 (十, 十五, 二十, 三十四), as articles and chapters
/// are numbered; anything else is `None`.
pub fn parse_chinese_number(numeral: &str) -> Option<u8> {
    let chars: Vec<char> = numeral.chars().collect();
    match chars.as_slice() {
        [d] if *d == '十' => Some(10),
        [d] => digit(*d),
        ['十', u] => Some(10 + digit(*u)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        _ => None,
    }
}

/// Writes 1–99 the way the regulation numbers its articles (34 → 三十四), e.g. to cite
/// `第三十四条`; `None` outside that range.
pub fn chinese_number(n: u8) -> Option<String> {
    let (tens, units) = (n / 10, n % 10);
    let unit = |d: u8| DIGITS[usize::from(d) - 1];
    match (tens, units) {
        (0, 0) => None,
        (0, u) => Some(unit(u).to_string()),
        (1, 0) => Some("十".to_owned()),
        (1, u) => Some(format!("十{}", unit(u))),
        (t @ 2..=9, 0) => Some(format!("{}十", unit(t))),
        (t @ 2..=9, u) => Some(format!("{}十{}", unit(t), unit(u))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn law() -> &'static Regulation {
        Regulation::bundled()
    }

    #[test]
    fn the_regulation_has_six_chapters_and_fifty_articles_numbered_in_order() {
        assert_eq!(law().title, "信访工作条例");
        assert_eq!(law().chapters.len(), 6);
        let numbers: Vec<u8> = law().articles().map(|a| a.number).collect();
        assert_eq!(numbers, (1..=50).collect::<Vec<u8>>());
    }

    #[test]
    fn the_chapters_carry_their_titles() {
        let titles: Vec<&str> = law().chapters.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "总则",
                "信访工作体制",
                "信访事项的提出和受理",
                "信访事项的办理",
                "监督和追责",
                "附则"
            ]
        );
    }

    #[test]
    fn article_fifty_puts_the_regulation_in_force_on_1_may_2022() {
        assert!(law().article(50).unwrap().text().contains("2022年5月1日"));
    }

    #[test]
    fn article_thirty_four_is_in_chapter_four() {
        assert_eq!(law().chapter_of(34).map(|c| c.number), Some(4));
        assert_eq!(law().chapter_of(1).map(|c| c.number), Some(1));
        assert_eq!(law().chapter_of(50).map(|c| c.number), Some(6));
        assert!(law().chapter_of(51).is_none());
        assert!(law().article(0).is_none());
    }

    #[test]
    fn an_article_keeps_its_paragraphs_and_items_without_its_number() {
        let five = law().article(5).unwrap();
        assert_eq!(five.paragraphs.len(), 6);
        assert_eq!(five.paragraphs[0], "信访工作应当遵循下列原则：");
        assert!(five.paragraphs[1].starts_with("（一）坚持党的全面领导。"));
        // A paragraph that cites another article stays a paragraph of its own article.
        let thirty_six = law().article(36).unwrap();
        assert!(
            thirty_six.paragraphs[1].starts_with("复核机关、单位可以按照本条例第三十一条第六项")
        );
    }

    #[test]
    fn the_provenance_comment_and_the_dates_of_adoption_are_not_articles() {
        let all: String = law().articles().map(Article::text).collect();
        assert!(!all.contains("LawRefBook"));
        assert!(!all.contains("中共中央政治局会议审议批准"));
        assert!(!all.contains("<!--"));
    }

    #[test]
    fn the_browser_copy_is_byte_identical_to_the_bundled_one() {
        assert_eq!(
            include_bytes!("../data/law/xinfang-gongzuo-tiaoli-2022.md").as_slice(),
            include_bytes!("../../../public/law/xinfang-gongzuo-tiaoli-2022.md").as_slice()
        );
        assert!(ASSET_PATH.ends_with("/law/xinfang-gongzuo-tiaoli-2022.md"));
    }

    #[test]
    fn chinese_numerals_read_and_write_one_to_ninety_nine() {
        for (numeral, n) in [
            ("一", 1),
            ("十", 10),
            ("十五", 15),
            ("二十", 20),
            ("三十四", 34),
        ] {
            assert_eq!(parse_chinese_number(numeral), Some(n));
            assert_eq!(chinese_number(n).as_deref(), Some(numeral));
        }
        for n in 1..=99 {
            assert_eq!(parse_chinese_number(&chinese_number(n).unwrap()), Some(n));
        }
        assert_eq!(chinese_number(0), None);
        assert_eq!(chinese_number(100), None);
        for bad in ["", "零", "十十", "二二", "一百", "34"] {
            assert_eq!(parse_chinese_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_text_out_of_order_is_refused_with_its_line() {
        let skip = "# 条例\n\n## 第一章 总则\n\n第一条 甲。\n\n第三条 乙。\n";
        assert_eq!(
            Regulation::parse(skip),
            Err(LawParseError::ArticleOutOfOrder {
                line: 7,
                expected: 2,
                found: 3
            })
        );
        let chapter = "# 条例\n## 第二章 总则\n第一条 甲。\n";
        assert_eq!(
            Regulation::parse(chapter),
            Err(LawParseError::ChapterOutOfOrder {
                line: 2,
                expected: 1,
                found: 2
            })
        );
    }

    #[test]
    fn malformed_markup_is_refused() {
        assert_eq!(
            Regulation::parse("第一条 甲。"),
            Err(LawParseError::NoTitle)
        );
        assert_eq!(
            Regulation::parse("# 条例\n"),
            Err(LawParseError::NoChapters)
        );
        assert_eq!(
            Regulation::parse("# 条例\n## 总则\n"),
            Err(LawParseError::BadChapterHeading { line: 2 })
        );
        assert_eq!(
            Regulation::parse("# 条例\n## 第一章 总则\n甲。\n"),
            Err(LawParseError::TextOutsideArticle { line: 3 })
        );
        assert_eq!(
            Regulation::parse("# 条例\n## 第一章 总则\n## 第二章 附则\n第一条 甲。\n"),
            Err(LawParseError::EmptyChapter { chapter: 1 })
        );
        assert_eq!(
            Regulation::parse("# 条例\n## 第一章 总则\n第一条 甲。\n## 第二章 附则\n"),
            Err(LawParseError::EmptyChapter { chapter: 2 })
        );
    }
}
