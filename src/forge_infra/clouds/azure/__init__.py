"""The Azure target (`cloud: azure`): its settings model and its builder."""
