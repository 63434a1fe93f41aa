//! Criterion benches of the in-process pipeline: the front end (load + validate + resolve +
//! rules) and render (front end result to an `OutputTree`), on the bundled spec and on generated
//! specs with N = 10, 100 and 1000 long-lived environments (plus N / 10 previews).
//!
//! `cargo bench --bench pipeline`; whole-process numbers come from `scripts/bench.sh`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

#[allow(dead_code)]
#[path = "../examples/gen_spec.rs"]
mod gen_spec;

fn inputs() -> Vec<(String, String)> {
    let bundled = concat!(env!("CARGO_MANIFEST_DIR"), "/platform.yaml");
    let mut v = vec![(
        "bundled".to_owned(),
        std::fs::read_to_string(bundled).expect("platform.yaml"),
    )];
    for n in [10, 100, 1000] {
        let text = gen_spec::generate(&gen_spec::Params {
            long_lived: n,
            previews: n / 10,
            ..gen_spec::Params::default()
        });
        v.push((format!("n{n}"), text));
    }
    v
}

fn front_end(text: &str) -> platc::pipeline::FrontEnd {
    let doc = platc::load::load_str("platform.yaml", text.to_owned()).expect("loads");
    platc::pipeline::front_end_doc(doc).expect("valid")
}

fn benches(c: &mut Criterion) {
    let spec_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("platform.yaml");
    let inputs = inputs();
    let mut group = c.benchmark_group("front_end");
    for (name, text) in &inputs {
        if name == "n1000" {
            group
                .sample_size(10)
                .measurement_time(Duration::from_secs(10));
        }
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), text, |b, text| {
            b.iter(|| front_end(black_box(text)));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("render");
    for (name, text) in &inputs {
        let front = front_end(text);
        if name == "n1000" {
            group.sample_size(10);
        }
        group.bench_with_input(BenchmarkId::from_parameter(name), &front, |b, front| {
            b.iter(|| platc::pipeline::compile(black_box(front), &spec_path).expect("renders"));
        });
    }
    group.finish();
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
