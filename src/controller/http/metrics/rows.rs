//! prometheus-client metric types that hold one scrape's already-counted samples. The status is
//! the only place counters live; these are filled from it at scrape time and dropped after.
//! They never count anything themselves.

use std::fmt::{self, Debug};

use prometheus_client::encoding::{EncodeGaugeValue, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;

use crate::controller::status::{DURATION_BUCKETS, Histogram};

/// A series' labels, in the order they are written.
pub(super) type Labels = Vec<(&'static str, String)>;

pub(super) fn labels<const N: usize>(pairs: [(&'static str, &str); N]) -> Labels {
    pairs
        .into_iter()
        .map(|(name, value)| (name, value.to_string()))
        .collect()
}

/// A gauge family in the status's order. prometheus-client's `Family` keeps a hash map, which
/// would shuffle the series on every scrape.
#[derive(Debug)]
pub(super) struct Gauges<V>(pub Vec<(Labels, V)>);

impl<V: EncodeGaugeValue + Debug + Send + Sync + 'static> EncodeMetric for Gauges<V> {
    fn encode(&self, mut encoder: MetricEncoder) -> fmt::Result {
        for (labels, value) in &self.0 {
            encoder.encode_family(labels)?.encode_gauge(value)?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Gauge
    }
}

/// A counter family; the encoder appends `_total` to each sample's name.
#[derive(Debug)]
pub(super) struct Counters(pub Vec<(Labels, u64)>);

impl EncodeMetric for Counters {
    fn encode(&self, mut encoder: MetricEncoder) -> fmt::Result {
        for (labels, value) in &self.0 {
            encoder
                .encode_family(labels)?
                .encode_counter::<NoLabelSet, u64, u64>(value, None)?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Counter
    }
}

/// A histogram family fed with the status's pre-aggregated buckets: prometheus-client's own
/// `Histogram` only takes observations, which the status has already folded into counts.
#[derive(Debug)]
pub(super) struct Histograms(pub Vec<(Labels, Buckets)>);

/// One histogram's buckets as the encoder wants them: a count per bound (it accumulates them
/// itself), ending with `+Inf`.
#[derive(Debug)]
pub(super) struct Buckets {
    sum: f64,
    count: u64,
    per_bound: Vec<(f64, u64)>,
}

impl Buckets {
    pub(super) fn of(histogram: &Histogram) -> Buckets {
        let mut per_bound: Vec<(f64, u64)> = DURATION_BUCKETS
            .iter()
            .enumerate()
            .map(|(index, bound)| (*bound, histogram.counts.get(index).copied().unwrap_or(0)))
            .collect();
        // Observations past the last finite bound are in `count` only; `+Inf` must equal it.
        let finite: u64 = per_bound.iter().map(|(_, count)| count).sum();
        per_bound.push((f64::INFINITY, histogram.count.saturating_sub(finite)));
        Buckets {
            sum: histogram.sum,
            count: histogram.count,
            per_bound,
        }
    }
}

impl EncodeMetric for Histograms {
    fn encode(&self, mut encoder: MetricEncoder) -> fmt::Result {
        for (labels, buckets) in &self.0 {
            encoder
                .encode_family(labels)?
                .encode_histogram::<NoLabelSet>(
                    buckets.sum,
                    buckets.count,
                    &buckets.per_bound,
                    None,
                )?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}
