"""Gold: themes, VoC metrics, spikes, SLA — what product, support and SRE act on."""
