//! Relay connections of the sandbox schema: `PageInfo`, opaque cursors, `first/after/last/before`
//! slicing, and a macro declaring each upstream `*Connection`/`*ConnectionEdge` pair by name.

use async_graphql::{ErrorExtensions, SimpleObject};

#[derive(SimpleObject, Clone, Debug, Default)]
pub(crate) struct PageInfo {
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
}

/// Relay paging arguments as every connection field receives them.
#[derive(Default, Clone, Copy)]
pub(crate) struct PageArgs<'a> {
    pub after: Option<&'a str>,
    pub before: Option<&'a str>,
    pub first: Option<i32>,
    pub last: Option<i32>,
}

impl<'a> PageArgs<'a> {
    /// The four Relay arguments as every connection field receives them.
    pub fn new(
        after: &'a Option<String>,
        before: &'a Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Self {
        PageArgs {
            after: after.as_deref(),
            before: before.as_deref(),
            first,
            last,
        }
    }
}

fn encode_cursor(position: usize) -> String {
    hex::encode(format!("sandbox-cursor:{position}"))
}

fn decode_cursor(cursor: &str) -> async_graphql::Result<usize> {
    hex::decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("sandbox-cursor:")?.parse().ok())
        .ok_or_else(|| {
            async_graphql::Error::new(format!("Invalid cursor {cursor:?}"))
                .extend_with(|_, e| e.set("code", "BAD_USER_INPUT"))
        })
}

/// Slices `items` by the paging arguments into `(cursor, item)` edges and their `PageInfo`.
pub(crate) fn paginate<T>(
    items: Vec<T>,
    args: PageArgs<'_>,
) -> async_graphql::Result<(Vec<(String, T)>, PageInfo)> {
    let total = items.len();
    let mut start = match args.after {
        Some(cursor) => decode_cursor(cursor)?.saturating_add(1).min(total),
        None => 0,
    };
    let mut end = match args.before {
        Some(cursor) => decode_cursor(cursor)?.min(total),
        None => total,
    };
    end = end.max(start);
    if let Some(first) = args.first.filter(|n| *n >= 0) {
        end = end.min(start + first as usize);
    }
    if let Some(last) = args.last.filter(|n| *n >= 0) {
        start = start.max(end.saturating_sub(last as usize));
    }
    let edges: Vec<(String, T)> = items
        .into_iter()
        .enumerate()
        .skip(start)
        .take(end - start)
        .map(|(position, item)| (encode_cursor(position), item))
        .collect();
    let page_info = PageInfo {
        start_cursor: edges.first().map(|(cursor, _)| cursor.clone()),
        end_cursor: edges.last().map(|(cursor, _)| cursor.clone()),
        has_next_page: end < total,
        has_previous_page: start > 0,
    };
    Ok((edges, page_info))
}

/// Declares `$connection { edges: [$edge!]!, pageInfo: PageInfo! }` and `$edge { cursor, node }`.
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty) => {
        #[derive(async_graphql::SimpleObject)]
        pub(crate) struct $edge {
            pub cursor: String,
            pub node: $node,
        }

        #[derive(async_graphql::SimpleObject, Default)]
        pub(crate) struct $connection {
            pub edges: Vec<$edge>,
            pub page_info: $crate::sandbox::schema::connection::PageInfo,
        }

        impl $connection {
            /// Some connections are always empty (R52) and never paged.
            #[allow(dead_code)]
            pub(crate) fn page(
                items: Vec<$node>,
                args: $crate::sandbox::schema::connection::PageArgs<'_>,
            ) -> async_graphql::Result<Self> {
                let (edges, page_info) =
                    $crate::sandbox::schema::connection::paginate(items, args)?;
                Ok(Self {
                    edges: edges
                        .into_iter()
                        .map(|(cursor, node)| $edge { cursor, node })
                        .collect(),
                    page_info,
                })
            }
        }
    };
}

pub(crate) use connection;
