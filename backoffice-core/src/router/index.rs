//! The index that narrows a message down to the forms that could match it.
//!
//! A literal word takes exactly one word of a message, so the literal words
//! before a form's first placeholder sit at fixed positions from the start
//! of every message it matches, and those after its last placeholder at
//! fixed positions from the end. The index is a trie over the leading
//! literal words, and each of its nodes holds a trie over the trailing
//! literal words, last word first. A message visits one path in each, so
//! the forms it has to try are those whose leading and trailing literal
//! words it contains, plus the forms without any.

use std::collections::HashMap;

use super::form::Form;

/// Forms by their leading and trailing literal words, both folded.
#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    root: LeadingNode,
}

/// A node of the trie over leading literal words.
#[derive(Debug, Clone, Default)]
struct LeadingNode {
    children: HashMap<Box<str>, LeadingNode>,
    /// The forms whose leading literal words end at this node, by their
    /// trailing literal words.
    trailing: TrailingNode,
}

/// A node of the trie over trailing literal words.
#[derive(Debug, Clone, Default)]
struct TrailingNode {
    children: HashMap<Box<str>, TrailingNode>,
    /// Indices into the router's forms, most specific first and in form
    /// order among equally specific forms.
    forms: Vec<usize>,
}

impl Index {
    /// Builds the index of `forms`.
    pub(super) fn new(forms: &[Form]) -> Self {
        let mut index = Self::default();

        for (position, form) in forms.iter().enumerate() {
            let mut leading = &mut index.root;
            for key in form.leading_keys() {
                leading = leading.children.entry(key.into()).or_default();
            }

            let mut trailing = &mut leading.trailing;
            for key in form.trailing_keys() {
                trailing = trailing.children.entry(key.into()).or_default();
            }
            trailing.forms.push(position);
        }

        index.root.sort(forms);
        index
    }

    /// Calls `visit` with each list of forms that could match a message
    /// whose words fold to `keys`. Each list is ordered most specific first.
    pub(super) fn visit<'a>(
        &'a self,
        keys: &[impl AsRef<str>],
        mut visit: impl FnMut(&'a [usize]),
    ) {
        let mut leading = &self.root;
        let mut depth = 0;

        loop {
            leading.trailing.visit(&keys[depth..], &mut visit);

            let Some(key) = keys.get(depth) else {
                return;
            };
            let Some(child) = leading.children.get(key.as_ref()) else {
                return;
            };
            leading = child;
            depth += 1;
        }
    }
}

impl LeadingNode {
    fn sort(&mut self, forms: &[Form]) {
        self.trailing.sort(forms);
        for child in self.children.values_mut() {
            child.sort(forms);
        }
    }
}

impl TrailingNode {
    /// Orders each list most specific first. The sort is stable, so equally
    /// specific forms stay in form order.
    fn sort(&mut self, forms: &[Form]) {
        self.forms
            .sort_by_key(|&index| std::cmp::Reverse(forms[index].specificity));
        for child in self.children.values_mut() {
            child.sort(forms);
        }
    }

    fn visit<'a>(&'a self, keys: &[impl AsRef<str>], visit: &mut impl FnMut(&'a [usize])) {
        let mut trailing = self;
        visit(&trailing.forms);

        for key in keys.iter().rev() {
            let Some(child) = trailing.children.get(key.as_ref()) else {
                return;
            };
            trailing = child;
            visit(&trailing.forms);
        }
    }
}
