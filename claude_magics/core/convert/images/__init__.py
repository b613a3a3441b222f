"""Images for the model: figures, PIL images, arrays and encoded bytes, within the API's limits.

``info`` sniffs formats and sizes without decoding, ``encode`` resizes and base64-encodes
(and builds the image block), ``figures`` renders matplotlib figures, ``arrays`` turns
image-like arrays into PNGs.
"""
