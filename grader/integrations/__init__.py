"""Bridges to the tools instructors already use: Jupyter notebooks, nbgrader, otter-grader, Gradescope.

Grading always stays in dlgrade's engine (hidden tests and expected values never run in the
student's kernel); these modules only translate the assignment and the results.
"""
