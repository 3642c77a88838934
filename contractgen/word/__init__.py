"""Word documents: WordprocessingML, numbering, packages, images, clause markup into Word
blocks, council templates, redlines with tracked changes and the plain text of a .docx.
"""
