/* Placeholder until the SMP guest is written. */
	.text
