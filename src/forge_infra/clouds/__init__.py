"""One package per cloud target (settings model + builder), registered in
`forge_infra.model.target` and looked up by `forge_infra.program.build`."""
