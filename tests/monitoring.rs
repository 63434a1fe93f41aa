//! Monitoring output checked against the real programs that consume it: a real Prometheus
//! (through `tests/common/prometheus.rs`) and promtool.

mod common;

use common::prometheus::{OpenMetrics, Prometheus, result_len};

const T0: i64 = 1_700_000_000;

#[test]
fn the_test_prometheus_serves_backfilled_series_on_loopback() {
    let mut om = OpenMetrics::default();
    om.series(
        "airflow_dagrun_duration_sum",
        &[("dag_id", "etl \"daily\"")],
        &[(T0 + 60, 7.0), (T0, 3.0)],
    );
    om.series(
        "airflow_dagrun_duration_sum",
        &[("dag_id", "report")],
        &[(T0, 1.0)],
    );
    let Some(prom) = Prometheus::start(&om.finish()) else {
        return;
    };
    let now = prom
        .query("sum(airflow_dagrun_duration_sum)", T0 + 60)
        .unwrap();
    // `report` is still within the 5m lookback at T0+60.
    assert_eq!(now["result"][0]["value"][1], "8", "{now}");
    let both = prom.query("airflow_dagrun_duration_sum", T0 + 30).unwrap();
    assert_eq!(result_len(&both), 2, "{both}");
    let quoted = prom
        .query(r#"airflow_dagrun_duration_sum{dag_id="etl \"daily\""}"#, T0)
        .unwrap();
    assert_eq!(result_len(&quoted), 1, "{quoted}");
    let range = prom
        .query_range(
            "airflow_dagrun_duration_sum{dag_id=~\"etl.*\"}",
            T0,
            T0 + 60,
            30,
        )
        .unwrap();
    assert_eq!(
        range["result"][0]["values"].as_array().map(Vec::len),
        Some(3),
        "{range}"
    );
    let err = prom.query("sum(", T0).unwrap_err();
    assert!(err.contains("bad_data"), "{err}");
}
