"""The GCP cloud target: its settings (`settings`) and its builder (`target`)."""
