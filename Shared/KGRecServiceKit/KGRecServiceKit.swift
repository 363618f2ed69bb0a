// KGRecServiceKit module.
