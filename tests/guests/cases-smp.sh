# shellcheck shell=bash
# Placeholder: the smp cases come with their guests.
