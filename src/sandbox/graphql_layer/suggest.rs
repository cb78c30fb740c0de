//! graphql-js's "Did you mean" (`didYouMean`, `suggestionList`): which names come close to a
//! mistyped one and how they are listed. Words only; it never decides what is valid.

/// graphql-js lists at most five suggestions.
const MAX_SUGGESTIONS: usize = 5;

/// `" Did you mean "a", "b", or "c"?"`, or nothing when there is no suggestion (R51).
pub(crate) fn did_you_mean(suggestions: &[String]) -> String {
    let quoted: Vec<String> = suggestions
        .iter()
        .take(MAX_SUGGESTIONS)
        .map(|name| format!("\"{name}\""))
        .collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!(" Did you mean {one}?"),
        [one, two] => format!(" Did you mean {one} or {two}?"),
        [head @ .., last] => format!(" Did you mean {}, or {last}?", head.join(", ")),
    }
}

/// The options close enough to `input`, nearest first, then by name (graphql-js sorts ties with
/// a natural compare; plain ordering differs only for names with digits: a guess that is enough).
pub(crate) fn suggestion_list<'a>(
    input: &str,
    options: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let threshold = input.chars().count() * 4 / 10 + 1;
    let mut close: Vec<(usize, &str)> = options
        .into_iter()
        .filter_map(|option| distance(input, option, threshold).map(|d| (d, option)))
        .collect();
    close.sort();
    close
        .into_iter()
        .map(|(_, name)| name.to_string())
        .collect()
}

/// graphql-js's `LexicalDistance`: case differences alone count 1, otherwise the optimal string
/// alignment distance of the lower-cased names; `None` above `threshold`.
fn distance(input: &str, option: &str, threshold: usize) -> Option<usize> {
    if input == option {
        return Some(0);
    }
    let a: Vec<char> = option.to_lowercase().chars().collect();
    let b: Vec<char> = input.to_lowercase().chars().collect();
    if a == b {
        return Some(1);
    }
    let (a, b) = if a.len() < b.len() { (b, a) } else { (a, b) };
    if a.len() - b.len() > threshold {
        return None;
    }
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i][0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    let found = rows[a.len()][b.len()];
    (found <= threshold).then_some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_to_five_suggestions_are_listed_with_a_final_or() {
        let names: Vec<String> = ["a", "b", "c", "d", "e", "f"].map(String::from).to_vec();
        assert_eq!(
            did_you_mean(&names),
            " Did you mean \"a\", \"b\", \"c\", \"d\", or \"e\"?"
        );
        assert_eq!(did_you_mean(&names[..2]), " Did you mean \"a\" or \"b\"?");
        assert_eq!(did_you_mean(&[]), "");
    }

    #[test]
    fn close_names_are_suggested_nearest_first() {
        let options = ["name", "names", "teamId", "workspaceId", "nam"];
        assert_eq!(
            suggestion_list("nme", options),
            vec!["name".to_string(), "nam".to_string(), "names".to_string()]
        );
        assert_eq!(
            suggestion_list("TEAMID", options),
            vec!["teamId".to_string()]
        );
    }
}
