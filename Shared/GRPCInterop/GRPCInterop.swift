// GRPCInterop module.
