//! Rendering speed of the example bulletin: HTML, text, the whole MIME message, and the cost per
//! recipient of turning the shared body into one person's message (what `send` pays each time).
//!
//! Run: `cargo bench --bench render`. Results and their peers are in docs/benchmarks.md.

use std::path::Path;
use std::time::SystemTime;

use bulletin::api::{self as bench, Loaded, Template};
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

fn example() -> Loaded {
    bench::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("bulletins/2021-10-20.yaml"))
        .expect("the example bulletin loads")
        .0
}

/// Reading and validating the YAML (and publisher.yaml), for comparison with rendering.
#[divan::bench]
fn load_example(bencher: Bencher) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("bulletins/2021-10-20.yaml");
    bencher.bench(|| bench::load(black_box(&path)).unwrap());
}

#[divan::bench]
fn render_html(bencher: Bencher) {
    let l = example();
    bencher.bench(|| bench::html(black_box(&l.bulletin), &l.publisher));
}

#[divan::bench]
fn render_text(bencher: Bencher) {
    let l = example();
    bencher.bench(|| bench::text(black_box(&l.bulletin), &l.publisher));
}

/// HTML + text + the encoded MIME body: once per bulletin.
#[divan::bench]
fn render_mime_message(bencher: Bencher) {
    let l = example();
    bencher.bench(|| {
        let h = bench::html(&l.bulletin, &l.publisher);
        let t = bench::text(&l.bulletin, &l.publisher);
        Template::new(
            &l.bulletin,
            &l.publisher,
            &bench::identity(&l.bulletin),
            &t,
            &h,
            false,
        )
        .unwrap()
    });
}

/// Per recipient: the shared body with that person's Date, To and Message-ID in front.
#[divan::bench]
fn per_recipient_message(bencher: Bencher) {
    let l = example();
    let h = bench::html(&l.bulletin, &l.publisher);
    let t = bench::text(&l.bulletin, &l.publisher);
    let template = Template::new(
        &l.bulletin,
        &l.publisher,
        &bench::identity(&l.bulletin),
        &t,
        &h,
        false,
    )
    .unwrap();
    let to = "Jane Example <jane.example@example.org>".parse().unwrap();
    let mut buf = String::with_capacity(template.body_len() + 512);
    bencher.bench_local(|| {
        buf.clear();
        template.write_for(black_box(&to), SystemTime::now(), &mut buf);
        buf.len()
    });
}
