{#- Generic tests written here because packages (dbt_utils) cannot be installed offline. -#}

{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{% test accepted_range(model, column_name, min_value=none, max_value=none) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and (
    false
    {% if min_value is not none %} or {{ column_name }} < {{ min_value }} {% endif %}
    {% if max_value is not none %} or {{ column_name }} > {{ max_value }} {% endif %}
  )
{% endtest %}

{% test non_increasing(model, column_name, partition_by, order_by) %}
with ordered as (
    select
        {{ column_name }} as value,
        lag({{ column_name }}) over (
            partition by {{ partition_by | join(', ') }} order by {{ order_by }}
        ) as previous
    from {{ model }}
)
select * from ordered where previous is not null and value > previous
{% endtest %}
