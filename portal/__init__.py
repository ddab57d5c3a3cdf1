"""Minsheng (民声): the web portal of a public accountability campaign."""
