"""The cloud-neutral layer: the stack configuration core and the cloud-target protocol.

Nothing in this package imports a cloud SDK or a `forge_infra.clouds` module.
"""
