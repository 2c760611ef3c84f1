//! Full-text search over a [`Regulation`], offline, for the law reader.
//!
//! Chinese has no spaces between words, so a query matches anywhere inside the text (substring
//! matching, never word boundaries). Before comparing, both sides are folded character by
//! character ([`fold`]): full-width Latin letters and digits to ASCII, letters to lower case, the
//! corner brackets 「」『』 that traditional-script writers use to the quotation marks of the text,
//! and the traditional forms of the characters this regulation uses to their simplified forms. A
//! number may be typed either way: 「六十日」 finds the text's 「60日」 and 「34」 finds
//! 「第三十四条」 (numerals 1–99, as [`crate::law`] reads and writes them).
//!
//! Results come in article order, one per article, with a snippet around the first match and
//! every match inside the snippet marked. Folding keeps one character for one character, so a
//! match found in the folded text marks exactly the same characters of the original.

use crate::law::{chinese_number, parse_chinese_number, Regulation};

/// Characters shown before the first match in a snippet.
pub const SNIPPET_BEFORE: usize = 18;
/// The longest snippet, in characters (longer only when the match itself is longer).
pub const SNIPPET_LEN: usize = 64;

/// A regulation prepared for searching: every paragraph folded once, at load.
#[derive(Debug, Clone)]
pub struct LawIndex {
    articles: Vec<IndexedArticle>,
}

#[derive(Debug, Clone)]
struct IndexedArticle {
    number: u8,
    /// `第三十四条`, folded: a query for the heading finds its article.
    heading: Vec<char>,
    original: Vec<Vec<char>>,
    folded: Vec<Vec<char>>,
}

/// One article that holds every word of the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The article's number.
    pub article: u8,
    /// How many times the query's words occur in the article's paragraphs.
    pub matches: usize,
    /// The text around the first match.
    pub snippet: Snippet,
}

/// An excerpt of one paragraph, cut into plain and matched parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// Which paragraph of the article (0 is the first).
    pub paragraph: usize,
    /// The excerpt in order; concatenated, the parts are the paragraph's characters from the
    /// excerpt's start to its end.
    pub parts: Vec<Part>,
    /// Whether the paragraph goes on before the excerpt (show an ellipsis).
    pub cut_before: bool,
    /// Whether the paragraph goes on after it.
    pub cut_after: bool,
}

/// A run of a snippet's text, matched or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The original characters.
    pub text: String,
    /// Whether they match the query (to be highlighted).
    pub matched: bool,
}

/// A query: its words (split at spaces), each with the spellings it may take in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    words: Vec<Vec<Vec<char>>>,
}

impl Query {
    /// Reads what was typed; `None` when it holds nothing to look for.
    pub fn parse(text: &str) -> Option<Query> {
        let folded: String = text.chars().map(fold).collect();
        let words: Vec<Vec<Vec<char>>> = folded
            .split_whitespace()
            .map(|word| {
                let mut spellings = vec![word.chars().collect::<Vec<char>>()];
                for variant in [chinese_numerals_as_digits(word), digits_as_chinese(word)] {
                    let variant: Vec<char> = variant.chars().collect();
                    if !spellings.contains(&variant) {
                        spellings.push(variant);
                    }
                }
                spellings
            })
            .collect();
        (!words.is_empty()).then_some(Query { words })
    }

    /// Where any spelling of any word occurs in `text`: `(start, end)` character ranges, in
    /// order, overlapping ones merged.
    fn ranges(&self, text: &[char]) -> Vec<(usize, usize)> {
        let mut ranges: Vec<(usize, usize)> = self
            .words
            .iter()
            .flatten()
            .flat_map(|spelling| occurrences(text, spelling).map(|s| (s, s + spelling.len())))
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
    }

    /// Whether word `w` occurs in `text` in any of its spellings.
    fn word_in(&self, w: usize, text: &[char]) -> bool {
        self.words[w]
            .iter()
            .any(|spelling| occurrences(text, spelling).next().is_some())
    }
}

impl LawIndex {
    /// Folds every paragraph of `regulation` once.
    pub fn new(regulation: &Regulation) -> LawIndex {
        let articles = regulation
            .articles()
            .map(|a| {
                let heading = chinese_number(a.number)
                    .map(|n| format!("第{n}条"))
                    .unwrap_or_default();
                let original: Vec<Vec<char>> =
                    a.paragraphs.iter().map(|p| p.chars().collect()).collect();
                IndexedArticle {
                    number: a.number,
                    heading: heading.chars().map(fold).collect(),
                    folded: original
                        .iter()
                        .map(|p| p.iter().copied().map(fold).collect())
                        .collect(),
                    original,
                }
            })
            .collect();
        LawIndex { articles }
    }

    /// The articles that hold every word of `query`, in article order.
    pub fn search(&self, query: &Query) -> Vec<Hit> {
        self.articles.iter().filter_map(|a| a.hit(query)).collect()
    }
}

impl IndexedArticle {
    fn hit(&self, query: &Query) -> Option<Hit> {
        let every_word_found = (0..query.words.len()).all(|w| {
            query.word_in(w, &self.heading) || self.folded.iter().any(|p| query.word_in(w, p))
        });
        if !every_word_found {
            return None;
        }
        let ranges: Vec<Vec<(usize, usize)>> =
            self.folded.iter().map(|p| query.ranges(p)).collect();
        let matches = ranges.iter().map(Vec::len).sum();
        // A query that only names the article (第三十四条) shows the article's opening.
        let (paragraph, first) = ranges
            .iter()
            .enumerate()
            .find_map(|(i, r)| r.first().map(|&first| (i, first)))
            .unwrap_or((0, (0, 0)));
        let snippet = snippet(
            &self.original[paragraph],
            paragraph,
            first,
            &ranges[paragraph],
        );
        Some(Hit {
            article: self.number,
            matches,
            snippet,
        })
    }
}

/// The excerpt of `text` around `first`, with every range of `ranges` inside it marked.
fn snippet(
    text: &[char],
    paragraph: usize,
    first: (usize, usize),
    ranges: &[(usize, usize)],
) -> Snippet {
    let start = first.0.saturating_sub(SNIPPET_BEFORE);
    let end = text.len().min((start + SNIPPET_LEN).max(first.1));
    let mut parts = Vec::new();
    let mut at = start;
    let mut push = |from: usize, to: usize, matched: bool| {
        if from < to {
            parts.push(Part {
                text: text[from..to].iter().collect(),
                matched,
            });
        }
    };
    for &(s, e) in ranges {
        let (s, e) = (s.max(at), e.min(end));
        if s >= e {
            continue;
        }
        push(at, s, false);
        push(s, e, true);
        at = e;
    }
    push(at, end, false);
    Snippet {
        paragraph,
        parts,
        cut_before: start > 0,
        cut_after: end < text.len(),
    }
}

/// Where `needle` starts in `haystack` (character positions), overlapping occurrences included.
fn occurrences<'a>(haystack: &'a [char], needle: &'a [char]) -> impl Iterator<Item = usize> + 'a {
    let windows = if needle.is_empty() {
        None
    } else {
        Some(haystack.windows(needle.len()))
    };
    windows
        .into_iter()
        .flatten()
        .enumerate()
        .filter(move |(_, w)| *w == needle)
        .map(|(i, _)| i)
}

/// One character as the search compares it (see the module's documentation). Always one
/// character for one, so positions in the folded text are positions in the original.
pub fn fold(c: char) -> char {
    match c {
        // Full-width forms of ASCII (Ａ, ３, ＂) and the ideographic space.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).map_or(c, fold),
        '\u{3000}' => ' ',
        '「' | '」' | '“' | '”' | '"' => '"',
        '『' | '』' | '‘' | '’' | '\'' => '\'',
        c if c.is_ascii_uppercase() => c.to_ascii_lowercase(),
        c => simplified(c),
    }
}

/// The simplified form of a traditional character of [`TRADITIONAL_SIMPLIFIED`], else `c`.
fn simplified(c: char) -> char {
    TRADITIONAL_SIMPLIFIED
        .binary_search_by_key(&c, |&(t, _)| t)
        .map_or(c, |i| TRADITIONAL_SIMPLIFIED[i].1)
}

/// Traditional → simplified, sorted by the traditional character: every CJK character that
/// OpenCC 1.4 (`t2s`, `tw2s`, `hk2s`, one character at a time) turns into one of the 686
/// distinct characters of 《信访工作条例》. A character-for-character table, not a phrase
/// converter: enough for a query typed in traditional script to find the simplified text, and
/// small (345 pairs, under 3 kB of wasm) where a general converter carries its dictionaries.
/// Made by running, over U+3400–U+4DBF and U+4E00–U+9FFF, `opencc.OpenCC(c).convert(ch)` of
/// PyPI's `opencc` and keeping single-character answers that differ and occur in the text; a
/// new edition of the text with new characters needs the same run.
const TRADITIONAL_SIMPLIFIED: &[(char, char)] = &[
    ('並', '并'),
    ('乾', '干'),
    ('亂', '乱'),
    ('佈', '布'),
    ('併', '并'),
    ('來', '来'),
    ('侷', '局'),
    ('係', '系'),
    ('俬', '私'),
    ('個', '个'),
    ('備', '备'),
    ('傢', '家'),
    ('傳', '传'),
    ('傾', '倾'),
    ('價', '价'),
    ('儘', '尽'),
    ('優', '优'),
    ('內', '内'),
    ('兩', '两'),
    ('別', '别'),
    ('則', '则'),
    ('剋', '克'),
    ('動', '动'),
    ('務', '务'),
    ('勢', '势'),
    ('勵', '励'),
    ('勸', '劝'),
    ('匯', '汇'),
    ('區', '区'),
    ('協', '协'),
    ('參', '参'),
    ('員', '员'),
    ('問', '问'),
    ('喫', '吃'),
    ('單', '单'),
    ('噁', '恶'),
    ('噹', '当'),
    ('嚮', '向'),
    ('嚴', '严'),
    ('國', '国'),
    ('圍', '围'),
    ('團', '团'),
    ('埰', '采'),
    ('執', '执'),
    ('堅', '坚'),
    ('報', '报'),
    ('場', '场'),
    ('壞', '坏'),
    ('夠', '够'),
    ('奬', '奖'),
    ('學', '学'),
    ('寀', '采'),
    ('實', '实'),
    ('寧', '宁'),
    ('審', '审'),
    ('寬', '宽'),
    ('將', '将'),
    ('專', '专'),
    ('對', '对'),
    ('導', '导'),
    ('層', '层'),
    ('屬', '属'),
    ('崗', '岗'),
    ('帶', '带'),
    ('幫', '帮'),
    ('幷', '并'),
    ('幹', '干'),
    ('廳', '厅'),
    ('強', '强'),
    ('彆', '别'),
    ('彔', '录'),
    ('彙', '汇'),
    ('後', '后'),
    ('徑', '径'),
    ('從', '从'),
    ('復', '复'),
    ('徵', '征'),
    ('徹', '彻'),
    ('惡', '恶'),
    ('態', '态'),
    ('憂', '忧'),
    ('應', '应'),
    ('懷', '怀'),
    ('掛', '挂'),
    ('採', '采'),
    ('揮', '挥'),
    ('損', '损'),
    ('擊', '击'),
    ('擔', '担'),
    ('據', '据'),
    ('擴', '扩'),
    ('擾', '扰'),
    ('攔', '拦'),
    ('攜', '携'),
    ('敎', '教'),
    ('數', '数'),
    ('斂', '敛'),
    ('斷', '断'),
    ('於', '于'),
    ('昇', '升'),
    ('時', '时'),
    ('暢', '畅'),
    ('曏', '向'),
    ('書', '书'),
    ('會', '会'),
    ('東', '东'),
    ('査', '查'),
    ('條', '条'),
    ('棄', '弃'),
    ('楓', '枫'),
    ('業', '业'),
    ('極', '极'),
    ('榘', '矩'),
    ('榦', '干'),
    ('構', '构'),
    ('橋', '桥'),
    ('機', '机'),
    ('檢', '检'),
    ('權', '权'),
    ('毀', '毁'),
    ('毆', '殴'),
    ('決', '决'),
    ('沒', '没'),
    ('沖', '冲'),
    ('況', '况'),
    ('準', '准'),
    ('滙', '汇'),
    ('滯', '滞'),
    ('澤', '泽'),
    ('濟', '济'),
    ('濫', '滥'),
    ('為', '为'),
    ('無', '无'),
    ('煉', '炼'),
    ('燬', '毁'),
    ('爭', '争'),
    ('爲', '为'),
    ('狀', '状'),
    ('獎', '奖'),
    ('獻', '献'),
    ('現', '现'),
    ('產', '产'),
    ('産', '产'),
    ('異', '异'),
    ('當', '当'),
    ('發', '发'),
    ('盡', '尽'),
    ('監', '监'),
    ('眞', '真'),
    ('眾', '众'),
    ('睏', '困'),
    ('瞞', '瞒'),
    ('確', '确'),
    ('祕', '秘'),
    ('稱', '称'),
    ('積', '积'),
    ('穩', '稳'),
    ('箇', '个'),
    ('節', '节'),
    ('範', '范'),
    ('籌', '筹'),
    ('糰', '团'),
    ('糾', '纠'),
    ('紀', '纪'),
    ('約', '约'),
    ('納', '纳'),
    ('級', '级'),
    ('紛', '纷'),
    ('細', '细'),
    ('終', '终'),
    ('組', '组'),
    ('結', '结'),
    ('絡', '络'),
    ('給', '给'),
    ('統', '统'),
    ('經', '经'),
    ('綜', '综'),
    ('綫', '线'),
    ('維', '维'),
    ('網', '网'),
    ('緊', '紧'),
    ('線', '线'),
    ('編', '编'),
    ('緩', '缓'),
    ('緻', '致'),
    ('縣', '县'),
    ('縱', '纵'),
    ('總', '总'),
    ('績', '绩'),
    ('織', '织'),
    ('繫', '系'),
    ('繼', '继'),
    ('續', '续'),
    ('纏', '缠'),
    ('罰', '罚'),
    ('羣', '群'),
    ('義', '义'),
    ('習', '习'),
    ('聯', '联'),
    ('聲', '声'),
    ('職', '职'),
    ('聽', '听'),
    ('肅', '肃'),
    ('脅', '胁'),
    ('與', '与'),
    ('舉', '举'),
    ('著', '着'),
    ('蓆', '席'),
    ('蔘', '参'),
    ('處', '处'),
    ('虛', '虚'),
    ('衆', '众'),
    ('衕', '同'),
    ('衝', '冲'),
    ('製', '制'),
    ('複', '复'),
    ('覈', '核'),
    ('見', '见'),
    ('規', '规'),
    ('視', '视'),
    ('覺', '觉'),
    ('觀', '观'),
    ('計', '计'),
    ('訓', '训'),
    ('記', '记'),
    ('訟', '讼'),
    ('訪', '访'),
    ('設', '设'),
    ('許', '许'),
    ('訴', '诉'),
    ('註', '注'),
    ('証', '证'),
    ('評', '评'),
    ('詢', '询'),
    ('話', '话'),
    ('詳', '详'),
    ('誌', '志'),
    ('認', '认'),
    ('誘', '诱'),
    ('誠', '诚'),
    ('誣', '诬'),
    ('誤', '误'),
    ('說', '说'),
    ('説', '说'),
    ('誰', '谁'),
    ('調', '调'),
    ('談', '谈'),
    ('諉', '诿'),
    ('請', '请'),
    ('論', '论'),
    ('諧', '谐'),
    ('諮', '咨'),
    ('謀', '谋'),
    ('謊', '谎'),
    ('證', '证'),
    ('識', '识'),
    ('譭', '毁'),
    ('議', '议'),
    ('護', '护'),
    ('負', '负'),
    ('財', '财'),
    ('貢', '贡'),
    ('貫', '贯'),
    ('責', '责'),
    ('費', '费'),
    ('質', '质'),
    ('踐', '践'),
    ('車', '车'),
    ('軌', '轨'),
    ('較', '较'),
    ('載', '载'),
    ('輕', '轻'),
    ('輛', '辆'),
    ('輿', '舆'),
    ('轉', '转'),
    ('辦', '办'),
    ('迴', '回'),
    ('逕', '径'),
    ('週', '周'),
    ('進', '进'),
    ('遊', '游'),
    ('運', '运'),
    ('過', '过'),
    ('達', '达'),
    ('違', '违'),
    ('適', '适'),
    ('選', '选'),
    ('還', '还'),
    ('鄉', '乡'),
    ('鄧', '邓'),
    ('釋', '释'),
    ('針', '针'),
    ('銷', '销'),
    ('錄', '录'),
    ('錯', '错'),
    ('録', '录'),
    ('錶', '表'),
    ('鍊', '炼'),
    ('鍛', '锻'),
    ('鍼', '针'),
    ('鎭', '镇'),
    ('鎮', '镇'),
    ('長', '长'),
    ('門', '门'),
    ('開', '开'),
    ('間', '间'),
    ('閤', '合'),
    ('閱', '阅'),
    ('閲', '阅'),
    ('關', '关'),
    ('陞', '升'),
    ('陳', '陈'),
    ('隊', '队'),
    ('險', '险'),
    ('隱', '隐'),
    ('雙', '双'),
    ('雜', '杂'),
    ('離', '离'),
    ('難', '难'),
    ('電', '电'),
    ('韆', '千'),
    ('響', '响'),
    ('項', '项'),
    ('預', '预'),
    ('領', '领'),
    ('頭', '头'),
    ('題', '题'),
    ('願', '愿'),
    ('類', '类'),
    ('風', '风'),
    ('饋', '馈'),
    ('馬', '马'),
    ('驗', '验'),
    ('體', '体'),
    ('髮', '发'),
    ('鬧', '闹'),
    ('麪', '面'),
    ('麫', '面'),
    ('麯', '曲'),
    ('麴', '曲'),
    ('麵', '面'),
    ('點', '点'),
    ('黨', '党'),
    ('齊', '齐'),
    ('齣', '出'),
];

/// `六十日` → `60日`: every run of Chinese numerals that reads as 1–99 written in digits.
fn chinese_numerals_as_digits(word: &str) -> String {
    let is_numeral = |c: char| "一二三四五六七八九十".contains(c);
    replace_runs(word, is_numeral, |run| {
        parse_chinese_number(run).map(|n| n.to_string())
    })
}

/// `34` → `三十四`: every run of digits from 1 to 99 written as Chinese numerals.
fn digits_as_chinese(word: &str) -> String {
    replace_runs(
        word,
        |c| c.is_ascii_digit(),
        |run| {
            run.parse::<u8>()
                .ok()
                .filter(|_| !run.starts_with('0'))
                .and_then(chinese_number)
        },
    )
}

/// `text` with every maximal run of characters that satisfy `in_run` replaced by `replace`'s
/// answer, or kept when it has none.
fn replace_runs(
    text: &str,
    in_run: impl Fn(char) -> bool,
    replace: impl Fn(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if !run.is_empty() {
            out.push_str(&replace(run).unwrap_or_else(|| run.clone()));
            run.clear();
        }
    };
    for c in text.chars() {
        if in_run(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> LawIndex {
        LawIndex::new(Regulation::bundled())
    }

    fn search(query: &str) -> Vec<Hit> {
        index().search(&Query::parse(query).expect("a query"))
    }

    fn articles(hits: &[Hit]) -> Vec<u8> {
        hits.iter().map(|h| h.article).collect()
    }

    fn marked(snippet: &Snippet) -> Vec<&str> {
        snippet
            .parts
            .iter()
            .filter(|p| p.matched)
            .map(|p| p.text.as_str())
            .collect()
    }

    fn text(snippet: &Snippet) -> String {
        snippet.parts.iter().map(|p| p.text.as_str()).collect()
    }

    #[test]
    fn a_word_is_found_inside_longer_words() {
        // 办结 stands inside 「60日内办结」: no word boundary is needed.
        let hits = search("办结");
        assert!(articles(&hits).contains(&34));
        let thirty_four = hits.iter().find(|h| h.article == 34).unwrap();
        assert_eq!(marked(&thirty_four.snippet), ["办结"]);
    }

    #[test]
    fn sixty_days_in_chinese_numerals_finds_article_thirty_four() {
        let hits = search("六十日");
        assert!(articles(&hits).contains(&34), "{:?}", articles(&hits));
        let thirty_four = hits.iter().find(|h| h.article == 34).unwrap();
        assert_eq!(marked(&thirty_four.snippet), ["60日"]);
    }

    #[test]
    fn digits_find_the_article_heading_written_in_chinese_numerals() {
        let hits = search("第34条");
        assert_eq!(articles(&hits).first(), Some(&34));
        // Art. 34 is found by its own heading, and shows its opening.
        let thirty_four = &hits[0];
        assert_eq!(thirty_four.snippet.paragraph, 0);
        assert!(!thirty_four.snippet.cut_before);
        assert!(text(&thirty_four.snippet).starts_with("对本条例第三十一条第六项"));
    }

    #[test]
    fn results_come_in_article_order_one_per_article() {
        let hits = search("信访");
        let numbers = articles(&hits);
        let mut sorted = numbers.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(numbers, sorted);
        assert!(hits.len() > 40);
        assert!(hits.iter().all(|h| h.matches >= 1));
    }

    #[test]
    fn every_word_of_the_query_must_occur_in_the_article() {
        // 复查 (review) and 30日 together: the review (Art. 35) and the re-examination of a
        // review opinion (Art. 36), nothing else that has only one of them.
        assert_eq!(articles(&search("复查 30日")), [35, 36]);
        assert!(search("复查 毫不相干的词").is_empty());
    }

    #[test]
    fn full_width_letters_digits_and_spaces_fold_to_ascii() {
        // ６０日 typed with a full-width digit keyboard, words split by an ideographic space.
        assert!(articles(&search("６０日　办结")).contains(&34));
        assert_eq!(fold('Ａ'), 'a');
        assert_eq!(fold('Q'), 'q');
    }

    #[test]
    fn corner_brackets_match_the_texts_quotation_marks() {
        // The text writes “三个代表”; a traditional-script writer types 「三个代表」.
        assert_eq!(articles(&search("「三个代表」")), [4]);
    }

    #[test]
    fn a_query_typed_in_traditional_script_finds_the_simplified_text() {
        assert!(articles(&search("複查")).contains(&35));
        assert!(articles(&search("信訪")).contains(&34));
    }

    #[test]
    fn the_snippet_is_cut_around_the_match_and_marks_every_match_in_it() {
        let hits = search("复查");
        let thirty_five = hits.iter().find(|h| h.article == 35).unwrap();
        // 「…单位复查。收到复查请求的机关、单位应当自收到复查请求之日起30日内提出复查意见」
        assert_eq!(thirty_five.matches, 4);
        assert_eq!(
            marked(&thirty_five.snippet),
            ["复查", "复查", "复查", "复查"]
        );
        assert!(thirty_five.snippet.cut_before);
        let hits = search("30日");
        let thirty_four = hits.iter().find(|h| h.article == 34).unwrap();
        assert!(thirty_four.snippet.cut_before);
        assert!(text(&thirty_four.snippet).chars().count() <= SNIPPET_LEN);
    }

    #[test]
    fn the_snippet_is_the_original_text_not_the_folded_one() {
        let hits = search("“三个代表”");
        assert_eq!(marked(&hits[0].snippet), ["“三个代表”"]);
    }

    #[test]
    fn a_query_of_spaces_is_no_query() {
        assert_eq!(Query::parse(""), None);
        assert_eq!(Query::parse(" \u{3000} "), None);
    }

    #[test]
    fn the_traditional_table_is_sorted_and_maps_to_characters_of_the_text() {
        assert!(TRADITIONAL_SIMPLIFIED.windows(2).all(|w| w[0].0 < w[1].0));
        let text: String = Regulation::bundled().articles().map(|a| a.text()).collect();
        for &(t, s) in TRADITIONAL_SIMPLIFIED {
            assert_ne!(t, s);
            assert!(
                text.contains(s) || Regulation::bundled().title.contains(s),
                "{t} → {s}"
            );
        }
    }

    #[test]
    fn a_text_that_is_nowhere_finds_nothing() {
        assert!(search("民事诉讼法").is_empty());
    }

    #[test]
    fn numerals_convert_only_where_they_read_as_a_number() {
        assert_eq!(chinese_numerals_as_digits("六十日内"), "60日内");
        assert_eq!(chinese_numerals_as_digits("一岗双责"), "1岗双责");
        // 二二 is no numeral that articles use: kept as typed.
        assert_eq!(chinese_numerals_as_digits("二二"), "二二");
        assert_eq!(digits_as_chinese("第34条"), "第三十四条");
        assert_eq!(digits_as_chinese("2022年"), "2022年");
        assert_eq!(digits_as_chinese("05"), "05");
    }
}
