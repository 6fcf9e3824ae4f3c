"""The `legalkg` command line: argparse over the service layer."""
