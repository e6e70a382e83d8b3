"""The Streamlit app's parts, one module per part of the page; ``app.py`` puts them in order.

Only this package, ``app.py``, ``heatneed.app_support`` and ``heatneed.app_calibrate`` import
Streamlit or chart libraries (``.importlinter``). Every number shown comes from the library: these
modules lay out widgets and hand their values to ``heatneed`` functions.
"""
