//! The schema-order pass over one XML part of the package: children of the
//! containers [`schema::SEQUENCES`] knows are put in the schema's order,
//! undeclared attributes ([`schema::UNDECLARED_ATTRIBUTES`]) are removed, and
//! empty children the context does not allow
//! ([`schema::NOT_ALLOWED_WHEN_EMPTY`]) are left out. Everything else is
//! copied byte for byte from the input: an element's own bytes never change,
//! only its place among its siblings.
//!
//! An element the table does not know for its container (an extension, a
//! bookmark) travels with the sibling just before it, so it keeps its place
//! relative to the known ones; one with no sibling before it stays first.
//! Text, comments and white space between children travel the same way.
//!
//! The part is read once into a flat list of elements that records what
//! needs changing; subtrees with nothing to change are then copied whole.

use std::ops::Range;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::schema::{self, Ranks};

/// No element (end of a sibling list).
const NONE: usize = usize::MAX;

/// One element of the part: where its tags are in the input, its place in
/// the tree, and what the pass must change in it.
struct Node {
    /// The start tag, or the whole empty-element tag.
    open: Range<usize>,
    /// Length of the qualified name, which starts right after `<`.
    name_len: usize,
    /// The end tag (`None` for an empty-element tag).
    close: Option<Range<usize>>,
    first_child: usize,
    last_child: usize,
    next_sibling: usize,
    /// The sequence of this element's children, if the table has one.
    sequence: Option<&'static Ranks>,
    /// Sort key among its siblings: its rank + 1 in the parent's sequence,
    /// or the key of the sibling before it when the sequence lacks it.
    key: usize,
    /// Its children are out of order.
    unsorted: bool,
    /// Its start tag carries an undeclared attribute.
    strip: bool,
    /// Leave it out (an empty child where the schema allows none).
    drop: bool,
    /// It or an element inside it changes; otherwise it is copied as is.
    dirty: bool,
}

impl Node {
    /// End of the element in the input.
    fn end(&self) -> usize {
        self.close.as_ref().map_or(self.open.end, |c| c.end)
    }

    /// Where the content starts and ends (both at the tag's end when empty).
    fn content(&self) -> Range<usize> {
        self.open.end..self.close.as_ref().map_or(self.open.end, |c| c.start)
    }
}

/// Puts the children of known containers of `xml` in schema order; see the
/// module documentation.
///
/// # Errors
/// The parser's message when `xml` is not well-formed.
pub(super) fn reorder(xml: &str) -> Result<String, String> {
    let nodes = parse(xml)?;
    let pass = Pass { xml, nodes: &nodes };
    let mut out = String::with_capacity(xml.len());
    // Node 0 stands for the whole part: declaration, comments and white space
    // around the root element are its content.
    pass.content(0, &mut out);
    Ok(out)
}

/// Reads `xml` into a list of elements, node 0 standing for the part.
fn parse(xml: &str) -> Result<Vec<Node>, String> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(false);
    let part = Node {
        open: 0..0,
        name_len: 0,
        close: Some(xml.len()..xml.len()),
        first_child: NONE,
        last_child: NONE,
        next_sibling: NONE,
        sequence: None,
        key: 0,
        unsorted: false,
        strip: false,
        drop: false,
        dirty: false,
    };
    let mut nodes = vec![part];
    let mut stack: Vec<usize> = vec![0];
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| format!("{e}（位置 {}）", reader.error_position()))?;
        let end = reader.buffer_position() as usize;
        let (e, empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                let id = stack
                    .pop()
                    .filter(|&id| id != 0)
                    .ok_or_else(|| format!("多余的结束标记（位置 {start}）"))?;
                nodes[id].close = Some(start..end);
                finish(xml, &mut nodes, &stack, id);
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = e.name();
        let name: &str = name.as_ref();
        let parent = *stack.last().expect("the part is never popped");
        let id = nodes.len();
        // Key with carry: a name the parent's sequence lacks takes the key of
        // the sibling before it.
        let prev = nodes[parent].last_child;
        let carried = if prev == NONE { 0 } else { nodes[prev].key };
        let key = match nodes[parent].sequence.and_then(|s| s.get(name)) {
            Some(rank) => rank + 1,
            None => carried,
        };
        if key < carried {
            nodes[parent].unsorted = true;
        }
        let strip = schema::UNDECLARED_ATTRIBUTES.iter().any(|(el, _)| *el == name)
            && e.attributes().flatten().any(|a| schema::undeclared(name, a.key.as_ref()));
        nodes.push(Node {
            open: start..end,
            name_len: name.len(),
            close: None,
            first_child: NONE,
            last_child: NONE,
            next_sibling: NONE,
            sequence: schema::sequence(name),
            key,
            unsorted: false,
            strip,
            drop: false,
            dirty: strip,
        });
        if prev == NONE {
            nodes[parent].first_child = id;
        } else {
            nodes[prev].next_sibling = id;
        }
        nodes[parent].last_child = id;
        if empty {
            finish(xml, &mut nodes, &stack, id);
        } else {
            stack.push(id);
        }
    }
    if stack.len() > 1 {
        return Err("元素未结束".into());
    }
    Ok(nodes)
}

/// Settles element `id` once it is complete (`stack` holds its ancestors):
/// whether it goes, and whether its parent changes.
fn finish(xml: &str, nodes: &mut [Node], stack: &[usize], id: usize) {
    let name_of = |n: &Node| &xml[n.open.start + 1..n.open.start + 1 + n.name_len];
    let node = &nodes[id];
    let parent = stack[stack.len() - 1];
    if stack.len() >= 3 && xml[node.content()].trim().is_empty() {
        let grandparent = stack[stack.len() - 2];
        if schema::not_allowed(name_of(&nodes[grandparent]), name_of(&nodes[parent]), name_of(node)) {
            nodes[id].drop = true;
            nodes[id].dirty = true;
        }
    }
    let node = &mut nodes[id];
    node.dirty |= node.unsorted;
    if node.dirty {
        nodes[parent].dirty = true;
    }
}

struct Pass<'a> {
    xml: &'a str,
    nodes: &'a [Node],
}

impl Pass<'_> {
    /// Writes element `id` to `out`.
    fn emit(&self, id: usize, out: &mut String) {
        let node = &self.nodes[id];
        if !node.dirty {
            out.push_str(&self.xml[node.open.start..node.end()]);
            return;
        }
        self.open_tag(id, out);
        if let Some(close) = &node.close {
            self.content(id, out);
            out.push_str(&self.xml[close.clone()]);
        }
    }

    /// Writes the content of element `id`: its children in order, each with
    /// the text after it, up to the next child or the end tag.
    fn content(&self, id: usize, out: &mut String) {
        let node = &self.nodes[id];
        let content = node.content();
        let first = node.first_child;
        let lead_end = if first == NONE { content.end } else { self.nodes[first].open.start };
        out.push_str(&self.xml[content.start..lead_end]);
        let tail = |kid: usize| {
            let next = self.nodes[kid].next_sibling;
            let to = if next == NONE { content.end } else { self.nodes[next].open.start };
            &self.xml[self.nodes[kid].end()..to]
        };
        let put = |kid: usize| {
            if !self.nodes[kid].drop {
                self.emit(kid, out);
                out.push_str(tail(kid));
            }
        };
        if node.unsorted {
            let mut kids: Vec<usize> = self.siblings(first).collect();
            kids.sort_by_key(|&k| self.nodes[k].key);
            kids.into_iter().for_each(put);
        } else {
            self.siblings(first).for_each(put);
        }
    }

    /// `first` and the siblings after it.
    fn siblings(&self, first: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(first).filter(|&k| k != NONE), |&k| {
            Some(self.nodes[k].next_sibling).filter(|&n| n != NONE)
        })
    }

    /// The start tag as written, less undeclared attributes.
    fn open_tag(&self, id: usize, out: &mut String) {
        let node = &self.nodes[id];
        let tag = &self.xml[node.open.clone()];
        if !node.strip {
            out.push_str(tag);
            return;
        }
        let name = &tag[1..1 + node.name_len];
        let empty = node.close.is_none();
        let inner = &tag[1..tag.len() - if empty { 2 } else { 1 }];
        let start = BytesStart::from_content(inner, name.len());
        let mut attrs = start.attributes();
        attrs.with_checks(false);
        out.push('<');
        out.push_str(name);
        for a in attrs.flatten().filter(|a| !schema::undeclared(name, a.key.as_ref())) {
            let q = if a.value.contains('"') { '\'' } else { '"' };
            out.push(' ');
            out.push_str(a.key.as_ref());
            out.push('=');
            out.push(q);
            out.push_str(&a.value);
            out.push(q);
        }
        out.push_str(if empty { " />" } else { ">" });
    }
}

#[cfg(test)]
mod tests {
    use super::reorder;

    fn r(xml: &str) -> String {
        reorder(xml).unwrap()
    }

    #[test]
    fn run_properties_in_schema_order() {
        let xml = r#"<w:r><w:rPr><w:sz w:val="24" /><w:szCs w:val="24" /><w:rFonts w:eastAsia="黑体" /><w:b /></w:rPr><w:t>附2</w:t></w:r>"#;
        assert_eq!(
            r(xml),
            r#"<w:r><w:rPr><w:rFonts w:eastAsia="黑体" /><w:b /><w:sz w:val="24" /><w:szCs w:val="24" /></w:rPr><w:t>附2</w:t></w:r>"#
        );
    }

    #[test]
    fn paragraph_mark_goes_last_and_nested_properties_are_ordered() {
        let xml = "<w:p><w:pPr><w:rPr><w:sz w:val=\"21\" /><w:rFonts w:eastAsia=\"宋体\" /></w:rPr>\
                   <w:jc w:val=\"center\" /><w:spacing w:line=\"300\" /></w:pPr><w:r><w:t>a</w:t></w:r></w:p>";
        assert_eq!(
            r(xml),
            "<w:p><w:pPr><w:spacing w:line=\"300\" /><w:jc w:val=\"center\" />\
             <w:rPr><w:rFonts w:eastAsia=\"宋体\" /><w:sz w:val=\"21\" /></w:rPr></w:pPr><w:r><w:t>a</w:t></w:r></w:p>"
        );
    }

    #[test]
    fn unknown_elements_travel_with_the_sibling_before_them() {
        // x:one follows w:sz, x:two leads: both keep their place relative to
        // the known ones while w:rFonts moves to the front.
        let xml = "<w:rPr><x:two /><w:sz /><x:one a=\"1\"><x:in /></x:one><w:rFonts /></w:rPr>";
        assert_eq!(r(xml), "<w:rPr><x:two /><w:rFonts /><w:sz /><x:one a=\"1\"><x:in /></x:one></w:rPr>");
        // Text between children travels with the child before it.
        let xml = "<w:rPr>\n <w:sz />\n <w:rFonts />\n</w:rPr>";
        assert_eq!(r(xml), "<w:rPr>\n <w:rFonts />\n<w:sz />\n </w:rPr>");
    }

    #[test]
    fn nested_same_name_elements_are_ordered_each_in_its_own_parent() {
        // A table in a cell of a table; a paragraph-properties revision
        // holding the old paragraph properties.
        let xml = "<w:tbl><w:tblPr><w:tblLayout /><w:tblW /></w:tblPr><w:tblGrid /><w:tr><w:tc>\
                   <w:tbl><w:tblPr><w:tblLayout /><w:jc /><w:tblW /></w:tblPr><w:tblGrid /></w:tbl>\
                   <w:p><w:pPr><w:pPrChange><w:pPr><w:jc /><w:spacing /></w:pPr></w:pPrChange><w:jc /><w:spacing /></w:pPr></w:p>\
                   </w:tc></w:tr></w:tbl>";
        assert_eq!(
            r(xml),
            "<w:tbl><w:tblPr><w:tblW /><w:tblLayout /></w:tblPr><w:tblGrid /><w:tr><w:tc>\
             <w:tbl><w:tblPr><w:tblW /><w:jc /><w:tblLayout /></w:tblPr><w:tblGrid /></w:tbl>\
             <w:p><w:pPr><w:spacing /><w:jc /><w:pPrChange><w:pPr><w:spacing /><w:jc /></w:pPr></w:pPrChange></w:pPr></w:p>\
             </w:tc></w:tr></w:tbl>"
        );
    }

    #[test]
    fn undeclared_attribute_removed_and_the_rest_kept() {
        let xml = r#"<w:tblGrid><w:gridCol w:w="1920" w:type="dxa" /><w:gridCol w:type='dxa' w:w="2000"/></w:tblGrid>"#;
        assert_eq!(r(xml), r#"<w:tblGrid><w:gridCol w:w="1920" /><w:gridCol w:w="2000" /></w:tblGrid>"#);
    }

    #[test]
    fn empty_paragraph_mark_dropped_only_where_the_schema_has_none() {
        let style = r#"<w:style w:styleId="Normal"><w:name w:val="Normal" /><w:rPr /><w:pPr><w:rPr /><w:jc /></w:pPr><w:qFormat /></w:style>"#;
        assert_eq!(
            r(style),
            r#"<w:style w:styleId="Normal"><w:name w:val="Normal" /><w:qFormat /><w:pPr><w:jc /></w:pPr><w:rPr /></w:style>"#
        );
        // In a paragraph the empty mark is allowed and stays.
        assert_eq!(
            r("<w:p><w:pPr><w:rPr /><w:jc /></w:pPr></w:p>"),
            "<w:p><w:pPr><w:jc /><w:rPr /></w:pPr></w:p>"
        );
        // A non-empty one is never dropped.
        let lvl = "<w:lvl><w:pPr><w:rPr><w:b /></w:rPr><w:ind /></w:pPr><w:lvlJc /></w:lvl>";
        assert_eq!(r(lvl), "<w:lvl><w:lvlJc /><w:pPr><w:ind /><w:rPr><w:b /></w:rPr></w:pPr></w:lvl>");
    }

    #[test]
    fn prolog_text_escapes_and_unknown_containers_copied_as_is() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<!-- c --><w:document>\
                   <w:body><w:p><w:r><w:t xml:space=\"preserve\">a &amp; &lt;b&gt; “乙”</w:t></w:r></w:p>\
                   <w:sectPr><w:docGrid /><w:headerReference r:id=\"h\" /><w:pgSz /><w:footerReference r:id=\"f\" /></w:sectPr>\
                   </w:body></w:document>\n";
        let want = xml.replace(
            "<w:docGrid /><w:headerReference r:id=\"h\" /><w:pgSz /><w:footerReference r:id=\"f\" />",
            "<w:headerReference r:id=\"h\" /><w:footerReference r:id=\"f\" /><w:pgSz /><w:docGrid />",
        );
        assert_eq!(r(xml), want);
        // Already in order: unchanged.
        assert_eq!(r(&want), want);
    }

    proptest::proptest! {
        /// Any arrangement of known and unknown children of a `w:rPr`: the
        /// output holds the same children, the known ones in the table's
        /// order, and each unknown one still right after the sibling that
        /// preceded it (or first, when it was).
        #[test]
        fn any_order_becomes_schema_order_and_nothing_is_lost(
            picks in proptest::collection::vec((0usize..12, proptest::bool::ANY), 0..10)
        ) {
            const KNOWN: [&str; 8] = ["w:rFonts", "w:b", "w:color", "w:sz", "w:szCs", "w:shd", "w:lang", "w:rPrChange"];
            let kids: Vec<String> = picks
                .iter()
                .enumerate()
                .map(|(i, &(k, empty))| {
                    let name = KNOWN.get(k).map_or_else(|| format!("x:ext{k}"), |n| n.to_string());
                    if empty { format!("<{name} i=\"{i}\" />") } else { format!("<{name} i=\"{i}\">t{i}</{name}>") }
                })
                .collect();
            let out = r(&format!("<w:rPr>{}</w:rPr>", kids.concat()));
            let inner = out.strip_prefix("<w:rPr>").and_then(|o| o.strip_suffix("</w:rPr>")).unwrap();
            // Split the output back into the children (each carries a unique i).
            let mut got: Vec<usize> = Vec::new();
            let mut rest = inner;
            while !rest.is_empty() {
                let i = kids.iter().position(|k| rest.starts_with(k.as_str())).expect("an input child, unchanged");
                got.push(i);
                rest = &rest[kids[i].len()..];
            }
            let mut sorted = got.clone();
            sorted.sort_unstable();
            proptest::prop_assert_eq!(sorted, (0..kids.len()).collect::<Vec<_>>(), "every child once");
            let rank = |i: usize| KNOWN.iter().position(|n| kids[i].starts_with(&format!("<{n} ")));
            let known: Vec<usize> = got.iter().filter_map(|&i| rank(i)).collect();
            proptest::prop_assert!(known.windows(2).all(|w| w[0] <= w[1]), "known in order: {:?}", out);
            for (at, &i) in got.iter().enumerate() {
                if rank(i).is_none() {
                    let before_in = i.checked_sub(1);
                    let before_out = at.checked_sub(1).map(|a| got[a]);
                    proptest::prop_assert_eq!(before_out, before_in, "unknown child {} moved: {:?}", i, out);
                }
            }
        }
    }

    #[test]
    fn malformed_xml_is_an_error() {
        assert!(reorder("<w:rPr><w:b></w:rPr>").is_err());
        assert!(reorder("<w:rPr><w:b />").is_err());
    }
}
