"""Reference data shared by the engine's generator and the organisations app.

Pure Python with no Django and no engine import: the 2023 division codes
(``admin_divisions_2023.csv``) and the catalogue of procuratorate units built from them
(:mod:`grassroots.reference.units`).
"""
