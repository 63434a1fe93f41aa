//! Airflow knowledge: option catalogs per version.
