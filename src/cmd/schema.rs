//! `bulletin schema`: print the JSON Schema of a bulletin, `publisher.yaml` or `recipients.yaml`,
//! for an editor's completion and hover help (docs/editor.md). The copies in `schemas/` are this
//! command's output.

use crate::input::json_schema::{self, File};

use super::Failure;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Which file's schema to print
    #[arg(value_enum)]
    file: Which,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Which {
    /// A bulletin, bulletins/YYYY-MM-DD.yaml
    Bulletin,
    /// publisher.yaml
    Publisher,
    /// recipients.yaml
    Recipients,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let file = match args.file {
        Which::Bulletin => File::Bulletin,
        Which::Publisher => File::Publisher,
        Which::Recipients => File::Recipients,
    };
    print!("{}", json_schema::text(file));
    Ok(())
}
