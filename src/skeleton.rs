//! The skeleton that `bulletin new` writes for next week's issue: every key with a short
//! placeholder, so the office fills in blanks rather than remembering the format.

use crate::date::Date;

/// A new bulletin for `date`, valid as it stands (its placeholders pass `check`).
pub fn bulletin(date: Date) -> String {
    format!(
        "# The bulletin for {long}. Fill in each part, then run: bulletin check bulletins/{date}.yaml
# The format is described in docs/format.md.
title: The title of this week's bulletin
date: {date}
# issue: 113
summary: One sentence that appears beside the subject in the inbox

message:
  author: Dr Brian Balmer
  role: Chief Executive of Essex LMCs
  body: |
    The Chief Executive's message. Leave a blank line between paragraphs.

sections:
  - title: The first section's title
    label: Guidance
    date: {date}
    body: |
      - A point, as a bullet.
      - Another point.
    links:
      - text: The name of the document (PDF)
        url: https://www.example.org/document.pdf
    note: Please refer to page 1 of the document (linked above).
",
        long = date.long()
    )
}
