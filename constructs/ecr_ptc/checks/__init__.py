"""Checks on user input by concern; ``ecr_ptc.validation`` gathers them. Importing the package loads none."""
