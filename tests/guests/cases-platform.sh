# shellcheck shell=bash
# Placeholder: the platform cases come with their guests.
