// KGRecWire module.
