"""The demo: generated datasets with ready configs, and the end-to-end learning demo."""
