"""The AWS target: `settings` (the `cloud: aws` branch of the configuration, SDK-free) and
`target` (the builder, which imports pulumi_aws when it runs)."""
