// GRPCHTTP2 module.
