// kgrec-encoder: projection + cross-modal fusion of item features (kgrec.v1.Encoder). Stateless,
// so it scales out. Configuration and wiring only; the service lives in Shared/KGRecEncoderService.
import KGRecEncoderService
import KGRecServiceKit

// The port opens at once (health NOT_SERVING until the checkpoint is loaded). Bad flags exit 2
// with one line naming the flag or env var; a checkpoint that cannot be loaded exits 1.
await ServiceMain.run(service: "encoder", port: 50061, adminPort: 9461, options: EncoderOptions.configOptions) { env in
    HostedEncoder(options: try EncoderOptions(config: env.config), env: env)
}
