c = get_config()  # noqa: F821 - injected by nbgrader

c.CourseDirectory.course_id = "dlgrade-bench"
# A hung cell (the benchmark's hostile submission) is interrupted after this many seconds.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
