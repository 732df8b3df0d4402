"""Discovery: walk an extract tree, and the manifests that hand its files from one phase to the next."""
